"""What a stream of lines remembers between lines (one per ingester, one per `vigil logs parse`).

Parsing is per line, but some families need the lines before: sshd writes several lines per connection
and only some carry the client's address (`sshd.SshdSessions` correlates them by host and pid).
"""

from __future__ import annotations

from secmon.parsers.sshd import SshdSessions


class ParseState:
    __slots__ = ("sshd",)

    def __init__(self) -> None:
        self.sshd = SshdSessions()
