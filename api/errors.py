"""Errors of the API layer and the one place they become HTTP responses.

ApiError (VigilError)           base
└── BadParameter                a query parameter Vigil cannot use → 422 with a message for the user

Errors from the parts are translated here too: store NotFound → 404, Conflict → 409,
InvalidQuery → 422, StoreUnavailable → 503; secmon InvalidTransition → 409. Nothing else in
api/ catches broadly.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from store.errors import Conflict, InvalidQuery, NotFound, StoreUnavailable
from vigil.errors import VigilError

log = logging.getLogger(__name__)


class ApiError(VigilError):
    """Base of the API's own errors."""


class BadParameter(ApiError):
    """A parameter that parsed but cannot be used (bad range, unbalanced quote, unknown cursor)."""

    def __init__(self, parameter: str, message: str, location: str = "query") -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message
        self.location = location


def _detail(status: int, message: str, loc: list[str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": message}
    if loc is not None:
        body = {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}
    return JSONResponse(status_code=status, content=body)


def install_error_handlers(app: FastAPI) -> None:
    """Register the translation of domain errors into HTTP statuses."""

    @app.exception_handler(BadParameter)
    async def _bad_parameter(request: Request, exc: BadParameter) -> JSONResponse:
        return _detail(422, exc.message, [exc.location, exc.parameter])

    @app.exception_handler(InvalidQuery)
    async def _invalid_query(request: Request, exc: InvalidQuery) -> JSONResponse:
        return _detail(422, str(exc) or "the query cannot be run", ["query"])

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _detail(404, str(exc) or "not found")

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> JSONResponse:
        return _detail(409, f"{exc or 'changed concurrently'}; reload and retry")

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return _detail(503, "the index is unavailable; retry shortly")

    try:
        from secmon.errors import InvalidTransition
    except ImportError:  # secmon not installed: nothing to translate
        return

    @app.exception_handler(InvalidTransition)
    async def _transition(request: Request, exc: InvalidTransition) -> JSONResponse:
        return _detail(409, str(exc))
