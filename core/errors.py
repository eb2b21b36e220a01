"""User-facing errors: the base every part's own hierarchy derives from.

VigilError            base: a message for a person; carries how the boundaries report it
└── ConfigError       vigil.toml or a VIGIL_* variable is invalid (names the key)

The CLI's `main` exits with `exit_code`; the API answers with `http_status`. Each part adds its own
subclasses (store/errors.py, secmon/errors.py, …) and sets these attributes instead of being matched
by type at the boundaries.
"""

from __future__ import annotations


class VigilError(Exception):
    """An error whose message tells the user what is wrong and what to do.

    `exit_code`: the CLI's exit status; `http_status`: the API's answer (500 means "not the user's
    fault": logged and answered with a generic message); `key`: the offending setting, field, path or
    rule when there is one (the API reports it as the error's location).
    """

    exit_code: int = 1
    http_status: int = 500
    key: str | None = None

    def __init__(self, message: str = "", *, key: str | None = None) -> None:
        super().__init__(message)
        if key is not None:
            self.key = key


class ConfigError(VigilError):
    """The configuration file or environment holds an invalid value."""

    exit_code = 2
