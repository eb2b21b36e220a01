"""Small helpers shared by tests."""

from __future__ import annotations

import signal
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def interruptible() -> None:
    """Popen `preexec_fn`: the child answers SIGINT (Ctrl-C) even when the test run ignores it.

    A process started in the background by a non-interactive shell (as a CI job may be) ignores
    SIGINT, children inherit that across exec, and Python then never raises KeyboardInterrupt: a
    `vigil … --follow` told to stop with SIGINT would run on.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
