"""Signing in to the web app over HTTP: sessions, CSRF, lock-out, roles, logout, offline /docs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from api.auth import Role
from api.web.sessions import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from api.web.users import MAX_FAILURES, create_user, get_user, set_disabled
from tests.api.test_cli import vigil
from tests.web.conftest import Web, csrf_of, login
from tests.web.seed import PASSWORD, USERS


def test_pages_need_a_session_and_send_to_login(web: Web) -> None:
    with web.client() as client:
        response = client.get("/search?q=b%C3%A3o")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/search")


def test_login_sets_an_httponly_samesite_cookie_and_lands_on_the_role_page(web: Web) -> None:
    with web.client() as client:
        response = login(client, USERS["press"], PASSWORD)
        assert response.status_code == 303
        assert response.headers["location"] == "/search"
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http on 127.0.0.1; behind TLS the flag is set
        page = client.get("/search")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "Đăng xuất" in page.text


def test_cookie_is_secure_behind_tls(web: Web) -> None:
    """uvicorn trusts X-Forwarded-Proto from 127.0.0.1 (its default proxy list): the TLS proxy case."""
    with web.client() as client:
        form = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        login_cookie = next(h for h in form.headers.get_list("set-cookie") if h.startswith(LOGIN_CSRF_COOKIE))
        assert "Secure" in login_cookie
        token = csrf_of(form.text)
        response = client.post(
            "/login",
            headers={"X-Forwarded-Proto": "https", "Cookie": f"{LOGIN_CSRF_COOKIE}={token}"},
            data={"username": USERS["press"], "password": PASSWORD, "csrf": token},
        )
    assert response.status_code == 303
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_wrong_password_is_refused_in_vietnamese(web: Web) -> None:
    with web.client() as client:
        response = login(client, USERS["press"], "sai-mat-khau-roi")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_login_without_the_csrf_token_is_refused(web: Web) -> None:
    with web.client() as client:
        client.get("/login")
        response = client.post(
            "/login", data={"username": USERS["press"], "password": PASSWORD, "csrf": "x" * 30}
        )
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_form_post_without_the_session_csrf_token_is_refused(web: Web) -> None:
    with web.signed_in("press") as client:
        refused = client.post("/logout", data={"csrf": "forged-token-value"})
        assert refused.status_code == 403
        assert client.get("/search").status_code == 200  # still signed in
        cross_site = client.post(
            "/logout",
            data={"csrf": csrf_of(client.get("/search").text)},
            headers={"Origin": "http://evil.example"},
        )
        assert cross_site.status_code == 403


def test_logout_ends_the_session_server_side(web: Web) -> None:
    with web.signed_in("press") as client:
        token = client.cookies[SESSION_COOKIE]
        response = client.post("/logout", data={"csrf": csrf_of(client.get("/search").text)})
        assert response.status_code == 303
    with web.client() as other:
        other.cookies.set(SESSION_COOKIE, token)  # the old cookie, replayed
        assert other.get("/search").status_code == 303


def test_press_user_is_refused_the_security_pages(web: Web) -> None:
    with web.signed_in("press") as client:
        response = client.get("/security")
    assert response.status_code == 403
    assert "không có quyền" in response.text


def test_security_user_is_refused_the_press_pages_and_admin_sees_both(web: Web) -> None:
    with web.signed_in("security") as client:
        assert client.get("/search").status_code == 403
        assert client.get("/security").status_code == 200
    with web.signed_in("admin") as client:
        assert client.get("/search").status_code == 200
        assert client.get("/security").status_code == 200


def test_repeated_failures_lock_the_account_even_for_the_right_password(web: Web) -> None:
    create_user(web.store, "khoa.thu", PASSWORD, Role.press)
    with web.client() as client:
        for _ in range(MAX_FAILURES):
            assert login(client, "khoa.thu", "khong-dung-dau").status_code == 401
        response = login(client, "khoa.thu", PASSWORD)
    assert response.status_code == 401
    assert "tạm khóa" in response.text
    user = get_user(web.store, "khoa.thu")
    assert user is not None and user.locked_until is not None and user.locked_until > datetime.now(UTC)


def test_a_disabled_user_loses_the_session_at_the_next_click(web: Web) -> None:
    create_user(web.store, "tam.nghi", PASSWORD, Role.press)
    with web.client() as client:
        assert login(client, "tam.nghi", PASSWORD).status_code == 303
        assert client.get("/search").status_code == 200
        set_disabled(web.store, "tam.nghi")
        assert client.get("/search").status_code == 303
        assert "vô hiệu hóa" in login(client, "tam.nghi", PASSWORD).text


def test_the_login_redirect_never_leaves_the_site(web: Web) -> None:
    with web.client() as client:
        form = client.get("/login")
        response = client.post(
            "/login",
            data={
                "username": USERS["press"],
                "password": PASSWORD,
                "csrf": csrf_of(form.text),
                "next": "//evil.example/x",
            },
        )
    assert response.status_code == 303
    assert response.headers["location"] == "/search"


def test_swagger_ui_is_served_from_vigil_itself(web: Web) -> None:
    with web.client() as client:
        docs = client.get("/docs")
        assert docs.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert assets, "the docs page references no assets"
        assert all(url.startswith("/static/") for url in assets), assets
        for url in assets:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url
        assert "/openapi.json" in docs.text


def test_users_cli_create_list_disable_reset(tmp_path: Path) -> None:
    """`vigil users …` as an administrator runs it (real subprocesses on one data directory)."""
    made = vigil(
        tmp_path,
        "users",
        "create",
        "le.hoa",
        "--role",
        "security",
        "--name",
        "Lê Hòa",
        "--password",
        PASSWORD,
    )
    assert made.returncode == 0, made.stderr
    weak = vigil(tmp_path, "users", "create", "le.binh", "--role", "press", "--password", "ngan")
    assert weak.returncode == 2 and "10 characters" in weak.stderr + weak.stdout
    listed = vigil(tmp_path, "users", "list")
    assert re.search(r"le\.hoa\s+security\s+active\s+never\s+Lê Hòa", listed.stdout), listed.stdout
    assert vigil(tmp_path, "users", "disable", "le.hoa").returncode == 0
    assert re.search(r"le\.hoa\s+security\s+disabled", vigil(tmp_path, "users", "list").stdout)
    reset = vigil(tmp_path, "users", "reset-password", "le.hoa", "--password", "mot-mat-khau-moi")
    assert reset.returncode == 0, reset.stderr
    missing = vigil(tmp_path, "users", "disable", "khong.co")
    assert missing.returncode == 2 and "no user" in missing.stderr + missing.stdout
    assert "mot-mat-khau-moi" not in (tmp_path / "store").joinpath("vigil.sqlite3").read_bytes().decode(
        "latin-1"
    )


def test_login_failures_from_one_address_are_rate_limited(web: Web) -> None:
    """Last in the module: it exhausts 127.0.0.1's allowance of failed sign-ins for a minute."""
    web.app.state.failed_logins = None  # a fresh count (the tests above failed on purpose too)
    with web.client() as client:
        statuses = [login(client, "khong.ai", "sai-mat-khau-nua").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    with web.client() as client:
        refused = login(client, USERS["press"], PASSWORD)  # even the right password, from that address
    assert refused.status_code == 429 and "Quá nhiều lần đăng nhập" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
