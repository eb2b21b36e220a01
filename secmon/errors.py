"""Errors of the security-monitoring part (secmon/).

VigilError                    (core.errors) printed by the CLI without a stack trace
└── SecmonError               base of every secmon error
    ├── UnknownFormat         a log's format could not be recognised; pass --format
    ├── InputError            a log file cannot be read, or the input registry is corrupt
    ├── InvalidTransition     an incident status change that the lifecycle forbids
    ├── RuleError             a detection rule file is invalid
    ├── RulesetError          building/testing a Suricata ruleset failed
    └── NotificationError     a notification could not be delivered or queued
"""

from __future__ import annotations

from core.errors import VigilError


class SecmonError(VigilError):
    """Base of every error raised by secmon/."""


class UnknownFormat(SecmonError):
    """The log format could not be recognised from its first lines."""


class InputError(SecmonError):
    """A log input (file, stdin, registry) cannot be read."""


class InvalidTransition(SecmonError):
    """The requested incident status change is not allowed by the lifecycle."""

    http_status = 409


class RuleError(SecmonError):
    """A detection rule file does not validate."""


class RulesetError(SecmonError):
    """Building or testing a Suricata ruleset failed; the previous ruleset is kept."""


class NotificationError(SecmonError):
    """A notification could not be delivered or queued."""
