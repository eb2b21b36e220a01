"""The web app's dependencies: who is signed in (else a redirect to /login), their role (else a 403
page), and the CSRF check of every posted form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Role
from api.web.sessions import WebSession, csrf_matches, current_session
from store.protocol import Store


class NeedLogin(Exception):
    """No valid session: the handler redirects to the login page, then back to `next_url`."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PageForbidden(Exception):
    """Signed in, but the role may not see this page, or the form's CSRF token was wrong."""

    def __init__(self, message: str, session: WebSession | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.session = session


async def web_session(request: Request) -> WebSession:
    store: Store = request.app.state.store
    session = await run_in_threadpool(current_session, store, request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedLogin(quote(target, safe="/?=&"))
    request.state.web_session = session
    return session


class WebRole:
    """Lets `roles` (and admin) through; anyone else gets the 403 page."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, session: Annotated[WebSession, Depends(web_session)]) -> WebSession:
        if not session.may(*self.roles):
            raise PageForbidden("Tài khoản của bạn không có quyền xem trang này.", session)
        return session


SignedIn = Annotated[WebSession, Depends(web_session)]
PressUser = Annotated[WebSession, Depends(WebRole(Role.press))]
SecurityUser = Annotated[WebSession, Depends(WebRole(Role.security))]


def same_origin(request: Request) -> bool:
    """A browser's Origin (or Referer) header, when sent, names this server."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def checked_form(request: Request, session: SignedIn) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session's (403 page otherwise)."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.items()}
    if not same_origin(request) or not csrf_matches(session.csrf, fields.get("csrf")):
        raise PageForbidden(
            "Yêu cầu bị từ chối: mã chống giả mạo (CSRF) không hợp lệ. Hãy tải lại trang và thử lại.",
            session,
        )
    return fields


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
