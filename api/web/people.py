"""Sign in, sign out, and the home page that sends each role to its own screen.

Failed sign-ins are limited per client address (`LOGIN_FAILURES_PER_MINUTE`, in this process) and per
account (the lock-out in api/web/users.py, in the store).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import Role
from api.web.deps import CheckedForm, PageForbidden, SignedIn, same_origin
from api.web.render import page, vn_datetime
from api.web.sessions import (
    LOGIN_CSRF_COOKIE,
    csrf_matches,
    current_session,
    end_session,
    login_csrf,
    set_login_csrf,
    start_session,
)
from api.web.users import LoginRefused, verify_login
from store.protocol import Store

router = APIRouter(include_in_schema=False)
LOGIN_FAILURES_PER_MINUTE = 10


class FailedLogins:
    """Failed sign-ins per client address in the last minute (this process): past `limit`, refuse."""

    def __init__(self, limit: int = LOGIN_FAILURES_PER_MINUTE, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, client: str) -> float:
        """Seconds until this client may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            return 0.0 if len(times) < self.limit else max(1.0, self.window - (now - times[0]))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) > 100_000:
                self._failures.clear()
            self._recent(client, now).append(now)


def _failures(request: Request) -> FailedLogins:
    state = request.app.state
    if getattr(state, "failed_logins", None) is None:
        state.failed_logins = FailedLogins()
    failures: FailedLogins = state.failed_logins
    return failures


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): anything else goes home."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def home_for(role: Role) -> str:
    return "/security" if role == Role.security else "/search"


@router.get("/")
async def home(session: SignedIn) -> Response:
    return RedirectResponse(home_for(session.user.role), status_code=303)


def _login_page(
    request: Request, next_url: str, error: str = "", username: str = "", status: int = 200
) -> Any:
    token = login_csrf(request)
    response = page(
        request,
        "login.html",
        {"session": None, "csrf": token, "next": next_url, "error": error, "username": username},
        status_code=status,
    )
    set_login_csrf(request, response, token)
    return response


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    store: Store = request.app.state.store
    if await run_in_threadpool(current_session, store, request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    next_url = _safe_next(next)
    if not same_origin(request) or not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        raise PageForbidden(
            "Yêu cầu đăng nhập bị từ chối: mã chống giả mạo (CSRF) không hợp lệ. Hãy tải lại trang đăng nhập."
        )
    client = request.client.host if request.client else "?"
    failures = _failures(request)
    wait = failures.wait(client)
    if wait:
        response = _login_page(
            request, next_url, f"Quá nhiều lần đăng nhập. Hãy thử lại sau {wait:.0f} giây.", username, 429
        )
        response.headers["Retry-After"] = f"{wait:.0f}"
        return response
    store: Store = request.app.state.store
    try:
        user = await run_in_threadpool(verify_login, store, username, password)
    except LoginRefused as refused:
        failures.failed(client)
        message = {
            "bad": "Tên đăng nhập hoặc mật khẩu không đúng.",
            "disabled": "Tài khoản này đã bị vô hiệu hóa. Hãy liên hệ quản trị viên.",
            "locked": f"Tài khoản tạm khóa do đăng nhập sai nhiều lần, đến {vn_datetime(refused.until)}.",
        }[refused.reason]
        return _login_page(request, next_url, message, username, 401)
    response = RedirectResponse(next_url if next_url != "/" else home_for(user.role), status_code=303)
    await run_in_threadpool(start_session, store, user, request, response)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, session: SignedIn, form: CheckedForm) -> Response:
    store: Store = request.app.state.store
    response = RedirectResponse("/login", status_code=303)
    await run_in_threadpool(end_session, store, session, response)
    return response
