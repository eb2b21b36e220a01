"""Log inputs that lose nothing: follow files like Filebeat, or read one-shot from a file or stdin.

line.py      Line(text, origin, offset, path, end)
registry.py  fingerprint → committed offset, persisted atomically
follower.py  FileFollower(paths, registry_path): .poll(max_lines), .commit(lines), .rewind(), .close()
oneshot.py   read_once(path_or_dash)
"""

from __future__ import annotations

from secmon.inputs.follower import FileFollower
from secmon.inputs.line import Line
from secmon.inputs.oneshot import read_once
from secmon.inputs.registry import Registry, fingerprint, origin_of

__all__ = ["FileFollower", "Line", "Registry", "fingerprint", "origin_of", "read_once"]
