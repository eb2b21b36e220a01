"""`install_web(app)`: the press office's web app and the offline API docs on the API's app.

`install_web(app)` mounts the vendored static files at /static, the Swagger UI at /docs (its assets
served from /static/vendor/swagger-ui, so it works with no internet), and the pages: sign-in, search,
article, coverage dashboard and the security team's incident triage.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.web import pages_alerts, pages_press, pages_report, pages_security, pages_watchlists, people
from api.web.deps import NeedLogin, PageForbidden
from api.web.render import HERE, make_templates, page

SWAGGER = "/static/vendor/swagger-ui"


def install_web(app: FastAPI) -> None:
    app.state.web_templates = make_templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Vigil API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
        )

    @app.exception_handler(NeedLogin)
    async def _need_login(request: Request, exc: NeedLogin) -> Response:
        return RedirectResponse(f"/login?next={exc.next_url}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return page(
            request,
            "forbidden.html",
            {"session": exc.session, "message": exc.message, "csrf": exc.session.csrf if exc.session else ""},
            status_code=403,
        )

    app.include_router(people.router)
    app.include_router(pages_press.router)
    app.include_router(pages_security.router)
    app.include_router(pages_watchlists.router)
    app.include_router(pages_alerts.router)
    app.include_router(pages_report.router)
