#!/usr/bin/env bash
# Backup and restore of Vigil's data directory (the embedded store, crawl and log-offset registries, the
# webhook outbox, the Elasticsearch spool), safe while `vigil run` writes:
#   deploy/backup.sh backup  DATA_DIR DEST_DIR     → DEST_DIR/vigil-YYYYmmdd-HHMMSS.tar.gz (keeps $BACKUP_KEEP, 14)
#   deploy/backup.sh restore ARCHIVE DATA_DIR      → into an empty DATA_DIR (stop Vigil first)
# The SQLite store is copied with SQLite's online backup (a consistent snapshot, WAL included), never
# by copying the file under a writer. An Elasticsearch cluster is backed up with its own snapshots
# (see deploy/README.md); its spool here holds only what it had not yet taken.
set -euo pipefail
PYTHON="${PYTHON:-python3}"

backup() {
  local data="$1" dest="$2" stamp
  [ -d "$data" ] || { echo "no data directory $data" >&2; exit 2; }
  mkdir -p "$dest"
  stamp="$(date -u +%Y%m%d-%H%M%S)"
  work="$(mktemp -d "$dest/.vigil-$stamp.XXXX")"  # global: the EXIT trap removes it
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/data"
  # everything but the live SQLite files, then a consistent copy of each store file
  tar -C "$data" --exclude='./store/*.sqlite3' --exclude='./store/*.sqlite3-wal' \
      --exclude='./store/*.sqlite3-shm' -cf - . | tar -C "$work/data" -xf -
  find "$data" -path "$data/store/*.sqlite3" -type f | while read -r db; do
    "$PYTHON" - "$db" "$work/data/${db#"$data"/}" <<'PY'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=60)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)
ok = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close(); source.close()
sys.exit(0 if ok == "ok" else f"integrity check of the copy failed: {ok}")
PY
  done
  tar -C "$work/data" -czf "$dest/vigil-$stamp.tar.gz.part" .
  mv "$dest/vigil-$stamp.tar.gz.part" "$dest/vigil-$stamp.tar.gz"
  ls -1t "$dest"/vigil-*.tar.gz | tail -n +"$(( ${BACKUP_KEEP:-14} + 1 ))" | xargs -r rm -f
  echo "$dest/vigil-$stamp.tar.gz"
}

restore() {
  local archive="$1" data="$2"
  [ -f "$archive" ] || { echo "no archive $archive" >&2; exit 2; }
  if [ -d "$data" ] && [ -n "$(ls -A "$data")" ]; then
    echo "$data is not empty: stop Vigil and move it aside first (restore never overwrites)" >&2
    exit 1
  fi
  mkdir -p "$data"
  tar -C "$data" -xzf "$archive"
  echo "restored $archive into $data; check with: VIGIL_DATA_DIR=$data vigil store stats"
}

case "${1:-}" in
  backup) [ $# -eq 3 ] || { echo "usage: $0 backup DATA_DIR DEST_DIR" >&2; exit 2; }; backup "$2" "$3" ;;
  restore) [ $# -eq 3 ] || { echo "usage: $0 restore ARCHIVE DATA_DIR" >&2; exit 2; }; restore "$2" "$3" ;;
  *) echo "usage: $0 backup DATA_DIR DEST_DIR | restore ARCHIVE DATA_DIR" >&2; exit 2 ;;
esac
