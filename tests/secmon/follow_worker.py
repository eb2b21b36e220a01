"""A follower process for the restart tests: poll → "store" (append + fsync) → commit, until told to stop.

    python -m tests.secmon.follow_worker --registry R --out OUT --stop STOPFILE PATH...

OUT gets one JSON line per delivered log line: {"id": event id, "text": line}. The fsync before commit
plays the store's acknowledgement, so a SIGKILL anywhere leaves at-least-once delivery.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import orjson

from secmon.inputs import FileFollower
from store.ids import stable_id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--stop", type=Path, required=True)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.02)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    follower = FileFollower(args.paths, args.registry, close_rotated_after=0.2)
    with open(args.out, "ab") as out:
        while True:
            lines = follower.poll(args.batch)
            if lines:
                for line in lines:
                    record = {"id": stable_id(line.origin, str(line.offset), line.text), "text": line.text}
                    out.write(orjson.dumps(record) + b"\n")
                out.flush()
                os.fsync(out.fileno())
                follower.commit(lines)
            elif args.stop.exists():
                break
            time.sleep(args.pause)
    follower.close()


if __name__ == "__main__":
    main()
