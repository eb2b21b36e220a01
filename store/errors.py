"""Errors of the index layer.

StoreError                 base
├── StoreUnavailable       the backend cannot be reached (ES down, SQLite file locked/unwritable)
├── NotFound               a document id that does not exist
├── Conflict               an optimistic-concurrency update lost the race
└── InvalidQuery           a query the store cannot run (unknown field, bad range); its message is for users
"""


class StoreError(Exception):
    """Base of every store error."""


class StoreUnavailable(StoreError):
    """The backend cannot be reached; writes are spooled, reads fail with this."""


class NotFound(StoreError):
    """No document with that id."""


class Conflict(StoreError):
    """The document changed since it was read."""


class InvalidQuery(StoreError):
    """The query names an unknown field or holds a value of the wrong kind."""
