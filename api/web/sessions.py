"""Signed-in sessions of the web app, and the CSRF check every form post goes through.

The cookie holds a random token; the store keeps only its SHA-256 (RecordKind.sessions, both backends)
with the username, an expiry and the session's CSRF token. The cookie is HttpOnly, SameSite=Lax and
Secure when the request came over TLS (directly, or through a proxy uvicorn trusts). Each request
re-reads the user, so disabling an account or changing its role takes effect at its next click.

A form posted before signing in (the login form) is protected by a double-submit token: a random
cookie that the form repeats in a hidden field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import Request
from fastapi.responses import Response

from api.auth import Role
from api.web.users import User, get_user
from store.protocol import Store
from store.query import RecordKind

SESSION_COOKIE = "vigil_session"
LOGIN_CSRF_COOKIE = "vigil_login_csrf"
SESSION_HOURS = 12


@dataclass(frozen=True)
class WebSession:
    user: User
    csrf: str
    key: str  # the stored record's id (hash of the cookie)

    def may(self, *roles: Role) -> bool:
        return self.user.role == Role.admin or self.user.role in roles


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secure_request(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(store: Store, user: User, request: Request, response: Response) -> None:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    record = {
        "username": user.username,
        "csrf": secrets.token_urlsafe(24),
        "created_at": now.isoformat(),
        "expires_at": (now + timedelta(hours=SESSION_HOURS)).isoformat(),
    }
    store.put_records(RecordKind.sessions, {_hash(token): record})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_request(request),
        path="/",
    )


def current_session(store: Store, request: Request) -> WebSession | None:
    """The session of this request's cookie when valid, unexpired and its user enabled."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    key = _hash(token)
    record = store.get_record(RecordKind.sessions, key)
    if record is None:
        return None
    if datetime.fromisoformat(record["expires_at"]) <= datetime.now(UTC):
        store.delete_record(RecordKind.sessions, key)
        return None
    user = get_user(store, record["username"])
    if user is None or user.disabled:
        return None
    return WebSession(user=user, csrf=record["csrf"], key=key)


def end_session(store: Store, session: WebSession, response: Response) -> None:
    store.delete_record(RecordKind.sessions, session.key)
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def login_csrf(request: Request) -> str:
    """The double-submit token for the login form: the cookie's, or a new one."""
    existing = request.cookies.get(LOGIN_CSRF_COOKIE)
    return existing if existing and 20 <= len(existing) <= 100 else secrets.token_urlsafe(24)


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_request(request), path="/"
    )
