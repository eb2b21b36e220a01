"""Errors of the index layer.

VigilError (core.errors)
└── StoreError            base (CLI exit 3)
    ├── StoreUnavailable  the backend cannot be reached (ES down, SQLite file locked): 503
    ├── NotFound          a document id that does not exist: 404
    ├── Conflict          an optimistic-concurrency update lost the race: 409
    └── InvalidQuery      a query the store cannot run (unknown field, bad range), for users: 422
"""

from __future__ import annotations

from core.errors import VigilError


class StoreError(VigilError):
    """Base of every store error."""

    exit_code = 3


class StoreUnavailable(StoreError):
    """The backend cannot be reached; writes are spooled, reads fail with this."""

    http_status = 503


class NotFound(StoreError):
    """No document with that id."""

    http_status = 404


class Conflict(StoreError):
    """The document changed since it was read."""

    http_status = 409


class InvalidQuery(StoreError):
    """The query names an unknown field or holds a value of the wrong kind."""

    http_status = 422
