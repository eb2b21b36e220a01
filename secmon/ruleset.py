"""Suricata rulesets: build with suricata-update (offline, file:// sources), test with `suricata -T`,
promote atomically, keep the previous ruleset on failure, and index rule metadata for enrichment.

Layout under the data dir (`secmon/ruleset/`): `current/` (suricata.rules, classification.config,
suricata.yaml, version.json), `previous/`, `staging/` (a build in progress), `cache/` (suricata-update's).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from suricata.update import rule as surirule

from core.config import Settings
from secmon.errors import RulesetError
from store.protocol import Store
from store.query import RecordKind

DATA = Path(__file__).resolve().parent / "data" / "suricata"
BUNDLED_SOURCES = [
    (DATA / "et-open" / name).as_uri() for name in ("emerging-scan.rules", "emerging-web_server.rules")
]
BUNDLED_CONF = DATA / "conf"
CONF_FILES = ("enable", "disable", "modify", "drop")
VERSION_RECORD = "suricata-ruleset"
RECORD_PREFIX = "sid:"

# Everything ET rules reference, so suricata-update does not disable rules for unknown variables.
_YAML = """%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "{home_net}"
    EXTERNAL_NET: "{external_net}"
    HTTP_SERVERS: "$HOME_NET"
    SMTP_SERVERS: "$HOME_NET"
    SQL_SERVERS: "$HOME_NET"
    DNS_SERVERS: "$HOME_NET"
    TELNET_SERVERS: "$HOME_NET"
    AIM_SERVERS: "$EXTERNAL_NET"
    DC_SERVERS: "$HOME_NET"
    DNP3_SERVER: "$HOME_NET"
    DNP3_CLIENT: "$HOME_NET"
    MODBUS_CLIENT: "$HOME_NET"
    MODBUS_SERVER: "$HOME_NET"
    ENIP_CLIENT: "$HOME_NET"
    ENIP_SERVER: "$HOME_NET"
  port-groups:
    HTTP_PORTS: "{http_ports}"
    SHELLCODE_PORTS: "!80"
    ORACLE_PORTS: 1521
    SSH_PORTS: 22
    DNP3_PORTS: 20000
    MODBUS_PORTS: 502
    FILE_DATA_PORTS: "[$HTTP_PORTS,110,143]"
    FTP_PORTS: 21
    GENEVE_PORTS: 6081
    VXLAN_PORTS: 4789
    TEREDO_PORTS: 3544
default-rule-path: {rules_dir}
rule-files:
  - suricata.rules
classification-file: {rules_dir}/classification.config
"""


def suricata_yaml(
    rules_dir: Path, *, home_net: str = "any", external_net: str = "any", http_ports: str = "80"
) -> str:
    """A minimal suricata.yaml for testing and running this ruleset (callers may append outputs)."""
    return _YAML.format(
        home_net=home_net, external_net=external_net, http_ports=http_ports, rules_dir=rules_dir
    )


@dataclass
class RulesetVersion:
    version: str
    sha256: str
    rules_total: int
    rules_enabled: int
    sources: list[str]
    created_at: str
    tested_with: str | None = None
    conf_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RulesetPaths:
    base: Path

    @property
    def current(self) -> Path:
        return self.base / "current"

    @property
    def previous(self) -> Path:
        return self.base / "previous"

    @property
    def staging(self) -> Path:
        return self.base / "staging"

    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @classmethod
    def from_settings(cls, settings: Settings) -> RulesetPaths:
        return cls(settings.state_path("secmon", "ruleset", "x").parent)


def _suricata_update_binary() -> str:
    beside = Path(sys.executable).parent / "suricata-update"
    if beside.exists():
        return str(beside)
    found = shutil.which("suricata-update")
    if found is None:
        raise RulesetError(
            "suricata-update is not installed: `pip install suricata-update` (a Vigil dependency)"
        )
    return found


def suricata_version(binary: str) -> str | None:
    try:
        out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return None
    match = re.search(r"version (\d+\.\d+\.\d+)", out)
    return match.group(1) if match else None


def _errors(output: str, limit: int = 6) -> str:
    lines = [line for line in output.splitlines() if "Error" in line or "<Error>" in line or "error" in line]
    return "\n".join(lines[-limit:]) or output.strip()[-800:]


def current_version(paths: RulesetPaths) -> RulesetVersion | None:
    try:
        return RulesetVersion(**json.loads((paths.current / "version.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def update_ruleset(
    settings: Settings,
    store: Store | None = None,
    *,
    sources: list[str] | None = None,
    local: list[Path] | None = None,
    conf_dir: Path | None = None,
    suricata: str | None = "auto",
) -> RulesetVersion:
    """Build, test and promote a ruleset; on any failure the current one stays and RulesetError says why.

    `suricata="auto"` tests with the binary on PATH when there is one; None skips the test.
    """
    paths = RulesetPaths.from_settings(settings)
    urls = sources if sources is not None else (settings.secmon.rule_sources or BUNDLED_SOURCES)
    confs = conf_dir or settings.secmon.rule_conf_dir or BUNDLED_CONF
    binary = shutil.which("suricata") if suricata == "auto" else suricata
    version = suricata_version(binary) if binary else None
    if paths.staging.exists():
        shutil.rmtree(paths.staging)
    paths.staging.mkdir(parents=True)
    (paths.staging / "suricata.yaml").write_text(suricata_yaml(paths.staging), encoding="utf-8")
    (paths.staging / "update.yaml").write_text("# Vigil passes every option on the command line\n")
    command = [
        _suricata_update_binary(), "update", "--no-test", "--no-reload", "--fail",
        "--data-dir", str(paths.cache), "--output", str(paths.staging),
        "--config", str(paths.staging / "update.yaml"),
        "--suricata-conf", str(paths.staging / "suricata.yaml"),
        "--suricata-version", version or "7.0.0",
    ]  # fmt: skip
    if binary:
        command += ["--suricata", binary]
    for url in urls:
        command += ["--url", url]
    for path in local or []:
        command += ["--local", str(path)]
    used_confs = []
    for name in CONF_FILES:
        conf = confs / f"{name}.conf"
        if conf.is_file():
            command += [f"--{name}-conf", str(conf)]
            used_confs.append(str(conf))
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    rules_file = paths.staging / "suricata.rules"
    if result.returncode != 0 or not rules_file.is_file():
        raise RulesetError(
            "suricata-update failed; the previous ruleset is kept. Check secmon.rule_sources "
            f"({', '.join(urls)}):\n{_errors(result.stderr + result.stdout)}"
        )
    text = rules_file.read_text(encoding="utf-8", errors="replace")
    enabled = sum(1 for line in text.splitlines() if line.startswith(("alert", "drop", "reject", "pass")))
    if enabled == 0:
        raise RulesetError("the new ruleset has no enabled rule; the previous ruleset is kept")
    if binary:
        logs = paths.staging / "test-logs"
        logs.mkdir()
        test = subprocess.run(
            [binary, "-T", "-c", str(paths.staging / "suricata.yaml"), "-l", str(logs)],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if test.returncode != 0:
            raise RulesetError(
                "`suricata -T` rejected the new ruleset; the previous ruleset is kept. Disable the failing "
                f"SIDs in {confs / 'disable.conf'}:\n{_errors(test.stderr + test.stdout)}"
            )
        shutil.rmtree(logs)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    now = datetime.now(UTC)
    record = RulesetVersion(
        version=f"{now:%Y%m%d%H%M%S}-{digest[:12]}",
        sha256=digest,
        rules_total=sum(1 for line in text.splitlines() if "sid:" in line),
        rules_enabled=enabled,
        sources=list(urls),
        created_at=now.isoformat(),
        tested_with=f"suricata {version}" if binary else None,
        conf_files=used_confs,
    )
    metadata = rule_metadata(text, paths.staging / "classification.config") if store is not None else {}
    _promote(paths, record)
    if store is not None:
        index_metadata(store, metadata, record)
    return record


def _promote(paths: RulesetPaths, record: RulesetVersion) -> None:
    (paths.staging / "suricata.yaml").write_text(suricata_yaml(paths.current), encoding="utf-8")
    (paths.staging / "version.json").write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    if paths.previous.exists():
        shutil.rmtree(paths.previous)
    if paths.current.exists():
        paths.current.rename(paths.previous)
    paths.staging.rename(paths.current)


def _classification(path: Path) -> dict[str, int]:
    priorities: dict[str, int] = {}
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return priorities
    for line in lines:
        if line.startswith("config classification:"):
            parts = [p.strip() for p in line.split(":", 1)[1].split(",")]
            if len(parts) == 3 and parts[2].isdigit():
                priorities[parts[0]] = int(parts[2])
    return priorities


def rule_metadata(text: str, classification: Path | None = None) -> dict[int, dict[str, Any]]:
    """sid → {msg, classtype, priority, signature_severity, mitre tactic/technique ids, references, rev}."""
    priorities = _classification(classification) if classification else {}
    found: dict[int, dict[str, Any]] = {}
    for line in text.splitlines():
        if "sid:" not in line:
            continue
        parsed = surirule.parse(line)
        if parsed is None:
            continue
        meta: dict[str, list[str]] = {}
        for item in parsed["metadata"]:
            key, _, value = item.strip().partition(" ")
            meta.setdefault(key, []).append(value.strip())
        classtype = parsed["classtype"]
        priority = parsed["priority"] or priorities.get(classtype or "", 0) or None
        references = []
        for ref in parsed["references"]:
            kind, _, value = ref.partition(",")
            if kind == "url":
                value = value if value.startswith("http") else f"http://{value}"
            elif kind == "cve":
                value = f"https://nvd.nist.gov/vuln/detail/CVE-{value}"
            references.append(value)
        found[int(parsed["sid"])] = {
            "sid": int(parsed["sid"]),
            "gid": int(parsed["gid"] or 1),
            "rev": int(parsed["rev"] or 0),
            "msg": parsed["msg"],
            "classtype": classtype,
            "priority": priority,
            "signature_severity": next(iter(meta.get("signature_severity", [])), None),
            "mitre_tactic_id": meta.get("mitre_tactic_id", []),
            "mitre_tactic_name": meta.get("mitre_tactic_name", []),
            "mitre_technique_id": meta.get("mitre_technique_id", []),
            "mitre_technique_name": meta.get("mitre_technique_name", []),
            "references": references,
            "enabled": bool(parsed["enabled"]),
        }
    return found


def index_metadata(store: Store, metadata: dict[int, dict[str, Any]], record: RulesetVersion) -> None:
    items = list(metadata.items())
    for start in range(0, len(items), 2000):
        chunk = {
            f"{RECORD_PREFIX}{sid}": dict(meta, ruleset=record.version)
            for sid, meta in items[start : start + 2000]
        }
        store.put_records(RecordKind.rules, chunk)
    store.put_records(RecordKind.state, {VERSION_RECORD: asdict(record)})


class RuleMetadata:
    """In-memory sid → metadata, loaded from the store once, used to enrich Suricata alerts."""

    def __init__(self, by_sid: dict[int, dict[str, Any]]) -> None:
        self.by_sid = by_sid

    @classmethod
    def load(cls, store: Store) -> RuleMetadata:
        records = store.list_records(RecordKind.rules, limit=1_000_000)
        return cls({int(r["sid"]): r for r in records if isinstance(r, dict) and "sid" in r})

    @classmethod
    def from_copy(cls, path: Path) -> RuleMetadata:
        """The local copy the ingester keeps (`metadata_copy_path`); empty when there is none."""
        try:
            cached = orjson.loads(path.read_bytes())
            return cls({int(sid): meta for sid, meta in cached.items()})
        except (OSError, ValueError, TypeError, AttributeError):
            return cls({})

    def enrich(self, doc: dict[str, Any]) -> bool:
        """Add classtype, priority, ATT&CK and references to an alert's `rule.*`/`threat.*`."""
        rule = doc.get("rule")
        if not isinstance(rule, dict) or rule.get("id") is None:
            return False
        try:
            sid = int(rule["id"])
        except (TypeError, ValueError):
            return False
        meta = self.by_sid.get(sid)
        if meta is None:
            return False
        rule.setdefault("category", meta.get("classtype"))
        rule["ruleset"] = meta.get("ruleset")
        rule["version"] = str(meta.get("rev"))
        if meta.get("references"):
            rule["reference"] = meta["references"][0]
        if meta.get("signature_severity"):
            doc.setdefault("vigil", {})["signature_severity"] = meta["signature_severity"]
        if meta.get("priority") is not None:
            doc.setdefault("vigil", {})["rule_priority"] = meta["priority"]
        if meta.get("mitre_technique_id") or meta.get("mitre_tactic_id"):
            threat = doc.setdefault("threat", {})
            threat["framework"] = "MITRE ATT&CK"
            if meta.get("mitre_tactic_id"):
                threat["tactic"] = {"id": meta["mitre_tactic_id"], "name": meta.get("mitre_tactic_name", [])}
            if meta.get("mitre_technique_id"):
                threat["technique"] = {
                    "id": meta["mitre_technique_id"],
                    "name": meta.get("mitre_technique_name", []),
                }
        return True


def metadata_copy_path(settings: Settings) -> Path:
    """Where the ingester keeps a copy of the rule metadata (used while the store is unavailable, and by
    `vigil logs parse`, which has no store)."""
    return settings.state_path("secmon", "rule-metadata.json")
