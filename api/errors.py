"""Errors of the API layer and the one place errors become HTTP responses.

ApiError (VigilError)           base
└── BadParameter                a query parameter Vigil cannot use → 422 with a message for the user

Every part's errors derive from `core.errors.VigilError` and carry their `http_status` (store NotFound
404, Conflict 409, InvalidQuery 422, StoreUnavailable 503, secmon InvalidTransition 409, …) and,
where there is one, the offending `key`; the handler below maps them by those attributes. Nothing else
in api/ catches broadly.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import VigilError
from store.errors import Conflict, StoreUnavailable

log = logging.getLogger(__name__)


class ApiError(VigilError):
    """Base of the API's own errors."""


class BadParameter(ApiError):
    """A parameter that parsed but cannot be used (bad range, unbalanced quote, unknown cursor)."""

    http_status = 422

    def __init__(self, parameter: str, message: str, location: str = "query") -> None:
        super().__init__(f"{parameter}: {message}", key=parameter)
        self.parameter = parameter
        self.message = message
        self.location = location


def _detail(status: int, message: str, loc: list[str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"detail": message}
    if loc is not None:
        body = {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}
    return JSONResponse(status_code=status, content=body)


def error_response(exc: VigilError) -> JSONResponse:
    """The HTTP answer for a domain error, chosen by its attributes."""
    status = exc.http_status
    if status >= 500:
        if isinstance(exc, StoreUnavailable):
            log.warning("store unavailable: %s", exc)
            return _detail(status, "the index is unavailable; retry shortly")
        log.error("internal error: %s", exc)
        return _detail(status, "internal error; the server log has the details")
    if isinstance(exc, BadParameter):
        return _detail(status, exc.message, [exc.location, exc.parameter])
    message = str(exc) or "the request cannot be served"
    if isinstance(exc, Conflict):
        message = f"{str(exc) or 'changed concurrently'}; reload and retry"
    if status == 422:
        return _detail(status, message, [exc.key or "query"])
    return _detail(status, message)


def _printable(value: Any) -> Any:
    """`value` with lone surrogates in its strings written as escapes (JSON-encodable as UTF-8)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


def install_error_handlers(app: FastAPI) -> None:
    """Register the translation of domain errors into HTTP statuses."""

    @app.exception_handler(VigilError)
    async def _vigil_error(request: Request, exc: VigilError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """FastAPI's 422, with text that cannot be encoded (a lone surrogate echoed from the body)
        escaped: the default handler failed to encode it and answered 500."""
        return JSONResponse(status_code=422, content={"detail": _printable(jsonable_encoder(exc.errors()))})
