"""Suricata EVE JSON → ECS, mapped like Elastic's Suricata integration.

Top-level addressing (`src_ip`, `dest_port`, `proto`, …) becomes `source.*`, `destination.*`,
`network.*`; each event type adds its ECS view (`rule.*` for alerts, `url.*`/`http.*` for http, `dns.*`,
`tls.*`, `file.*`, …) while the whole EVE record stays under `suricata.eve.*`, so nothing is lost and
an event type we have no mapping for (a newer Suricata) is still kept with the common fields.
The decoded dict is reused as `suricata.eve` (no copy): this path is the throughput-critical one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from secmon.parsers.ecs import MESSAGE_CAP, VALUE_CAP, LineError, bounded, is_ip, text

DATASET = "suricata.eve"

# event_type → (event.kind, event.category, event.type); unknown types get ("event", ["network"], ["info"]).
_KIND: dict[str, tuple[str, list[str], list[str]]] = {
    "alert": ("alert", ["network", "intrusion_detection"], ["info"]),
    "drop": ("event", ["network", "intrusion_detection"], ["denied"]),
    "anomaly": ("event", ["network"], ["info"]),
    "flow": ("event", ["network"], ["connection", "end"]),
    "netflow": ("event", ["network"], ["connection"]),
    "http": ("event", ["network", "web"], ["access", "protocol"]),
    "http2": ("event", ["network", "web"], ["access", "protocol"]),
    "fileinfo": ("event", ["network", "file"], ["info"]),
    "dns": ("event", ["network"], ["protocol"]),
    "tls": ("event", ["network"], ["protocol"]),
    "ssh": ("event", ["network"], ["protocol"]),
    "smb": ("event", ["network"], ["protocol"]),
    "stats": ("metric", [], ["info"]),
    "engine": ("event", ["process"], ["info"]),
}
_DEFAULT_KIND = ("event", ["network"], ["info"])
_TOP_LEVEL = ("timestamp", "src_ip", "src_port", "dest_ip", "dest_port", "proto")
_last_stamp: tuple[str | None, datetime] = (None, datetime.min)  # the last timestamp read and its value


def parse_eve(line: str) -> tuple[datetime, dict[str, Any]]:
    """Decode one EVE line and build its ECS document (without `event.original`, added by the caller)."""
    try:
        eve = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise LineError(f"not valid JSON: {exc}") from None
    if type(eve) is not dict:
        raise LineError("an EVE line must be a JSON object")
    raw_ts = eve.pop("timestamp", None)
    if type(raw_ts) is not str:
        raise LineError("EVE record has no 'timestamp' string")
    global _last_stamp
    last = _last_stamp
    if raw_ts == last[0]:  # consecutive records often share their time (6 in 10 on real runs)
        timestamp = last[1]
    else:
        try:
            timestamp = datetime.fromisoformat(raw_ts)
        except ValueError:
            raise LineError(f"bad EVE timestamp {raw_ts!r}") from None
        if timestamp.tzinfo is None:
            raise LineError(f"EVE timestamp without timezone {raw_ts!r}")
        _last_stamp = (raw_ts, timestamp)  # one tuple, replaced whole: safe across threads
    event_type = eve.get("event_type")
    if type(event_type) is not str:
        raise LineError("EVE record has no 'event_type' string")

    kind, category, types = _KIND.get(event_type, _DEFAULT_KIND)
    event: dict[str, Any] = {
        "kind": kind,
        "category": category[:],
        "type": types[:],
        "dataset": DATASET,
        "module": "suricata",
    }
    doc: dict[str, Any] = {"event": event, "suricata": {"eve": eve}}

    src_ip = eve.pop("src_ip", None)
    src_port = dest_port = None
    if src_ip is not None:
        source: dict[str, Any] = {"ip": src_ip}
        src_port = eve.pop("src_port", None)
        if src_port is not None:
            source["port"] = src_port
        doc["source"] = source
    dest_ip = eve.pop("dest_ip", None)
    if dest_ip is not None:
        destination: dict[str, Any] = {"ip": dest_ip}
        dest_port = eve.pop("dest_port", None)
        if dest_port is not None:
            destination["port"] = dest_port
        doc["destination"] = destination
    network: dict[str, Any] = {}
    proto = eve.pop("proto", None)
    if type(proto) is str:
        network["transport"] = proto.lower()
    elif proto is not None:
        network["iana_number"] = str(proto)
    app_proto = eve.get("app_proto")
    if type(app_proto) is str and app_proto != "failed":
        network["protocol"] = app_proto.lower()
    community_id = eve.get("community_id")
    if community_id is not None:
        network["community_id"] = community_id
    if network:
        doc["network"] = network

    mapper = _MAPPERS.get(event_type)
    if mapper is not None:
        mapper(eve, doc)
    # Application records also ride on alerts and fileinfo: map them there too, like Elastic does.
    if event_type in ("alert", "fileinfo", "drop"):
        for key in ("http", "dns", "tls", "flow"):
            if key in eve and key != event_type:
                _MAPPERS[key](eve, doc)
    if "message" not in doc:  # engine records bring their own
        # (stats and engine records have no addresses: their long lines are not scanned)
        clean = src_ip is not None and line.isascii() and "\\" not in line and "\x7f" not in line
        route = _route(src_ip, src_port, dest_ip, dest_port, clean) if src_ip is not None else ""
        describe = _MESSAGES.get(event_type)
        message = (
            describe(eve, route, proto, clean) if describe is not None else _generic(event_type, eve, route)
        )
        doc["message"] = message if len(message) <= MESSAGE_CAP else bounded(message)
    return timestamp, doc


def _alert(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    alert = eve.get("alert")
    if type(alert) is not dict:
        return
    rule: dict[str, Any] = {}
    sid = alert.get("signature_id")
    if sid is not None:
        rule["id"] = str(sid)
    if "signature" in alert:
        rule["name"] = alert["signature"]
    if alert.get("category"):
        rule["category"] = alert["category"]
    if "rev" in alert:
        rule["version"] = str(alert["rev"])
    if rule:
        doc["rule"] = rule
    event = doc["event"]
    severity = alert.get("severity")
    if severity is not None:
        event["severity"] = severity
    action = alert.get("action")
    if action is not None:
        event["type"] = ["info", "denied" if action == "blocked" else "allowed"]
    metadata = alert.get("metadata")
    if type(metadata) is dict:
        tactic = metadata.get("mitre_tactic_name")
        technique = metadata.get("mitre_technique_id")
        if tactic or technique:
            threat: dict[str, Any] = {"framework": "MITRE ATT&CK"}
            if tactic:
                threat["tactic"] = {"name": tactic}
            if technique:
                threat["technique"] = {"id": technique}
            doc["threat"] = threat


def _flow(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    flow = eve.get("flow")
    if type(flow) is not dict:
        return
    to_server = flow.get("bytes_toserver")
    to_client = flow.get("bytes_toclient")
    pkts_server = flow.get("pkts_toserver")
    pkts_client = flow.get("pkts_toclient")
    if "source" in doc:
        if to_server is not None:
            doc["source"]["bytes"] = to_server
        if pkts_server is not None:
            doc["source"]["packets"] = pkts_server
    if "destination" in doc:
        if to_client is not None:
            doc["destination"]["bytes"] = to_client
        if pkts_client is not None:
            doc["destination"]["packets"] = pkts_client
    network = doc.setdefault("network", {})
    if type(to_server) is int and type(to_client) is int:
        network["bytes"] = to_server + to_client
    if type(pkts_server) is int and type(pkts_client) is int:
        network["packets"] = pkts_server + pkts_client
    _span(doc["event"], flow)


def _span(event: dict[str, Any], record: dict[str, Any]) -> None:
    """`event.start`/`end` in ISO 8601 with a colon in the offset (EVE writes `-0400`)."""
    value = record.get("start")
    if type(value) is str:
        if len(value) == 31 and value[26] in "+-" and value[29] != ":":  # the usual shape: cheap
            event["start"] = value[:29] + ":" + value[29:]
        else:
            _iso(event, "start", value)
    value = record.get("end")
    if type(value) is str:
        if len(value) == 31 and value[26] in "+-" and value[29] != ":":
            event["end"] = value[:29] + ":" + value[29:]
        else:
            _iso(event, "end", value)


def _iso(event: dict[str, Any], key: str, value: str) -> None:
    try:
        event[key] = datetime.fromisoformat(value).isoformat()
    except ValueError:
        return


def _http(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    http = eve.get("http")
    if type(http) is not dict:
        return
    url_text = http.get("url")
    if type(url_text) is str:
        url: dict[str, Any] = {"original": url_text}
        path, _, query = url_text.partition("?")
        url["path"] = path
        if query:
            url["query"] = query
        hostname = http.get("hostname")
        if hostname:
            url["domain"] = hostname
        doc["url"] = url
    ecs_http: dict[str, Any] = {}
    method = http.get("http_method")
    if method:
        ecs_http["request"] = {"method": method}
    referrer = http.get("http_refer")
    if referrer:
        ecs_http.setdefault("request", {})["referrer"] = referrer
    status = http.get("status")
    if status is not None:
        response: dict[str, Any] = {"status_code": status}
        length = http.get("length")
        if length is not None:
            response["body"] = {"bytes": length}
        ecs_http["response"] = response
    protocol = http.get("protocol")
    if type(protocol) is str and "/" in protocol:
        ecs_http["version"] = protocol.split("/", 1)[1]
    if ecs_http:
        doc["http"] = ecs_http
    agent = http.get("http_user_agent")
    if agent:
        doc["user_agent"] = {"original": agent}


def _dns(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    dns = eve.get("dns")
    if type(dns) is not dict:
        return
    ecs_dns: dict[str, Any] = {}
    if "id" in dns:
        ecs_dns["id"] = str(dns["id"])
    kind = dns.get("type")
    if kind is not None:
        ecs_dns["type"] = "query" if kind in ("query", "request") else "answer"
    question: dict[str, Any] = {}
    queries = dns.get("queries")
    first = queries[0] if type(queries) is list and queries and type(queries[0]) is dict else dns
    if first.get("rrname") is not None:
        question["name"] = first["rrname"]
    if first.get("rrtype") is not None:
        question["type"] = first["rrtype"]
    if question:
        ecs_dns["question"] = question
    if dns.get("rcode") is not None:
        ecs_dns["response_code"] = dns["rcode"]
    answers = dns.get("answers")
    resolved: list[str] = []
    if type(answers) is list:
        resolved = [a["rdata"] for a in answers if type(a) is dict and type(a.get("rdata")) is str]
    elif type(dns.get("rdata")) is str:
        resolved = [dns["rdata"]]
    resolved = [r for r in resolved if is_ip(r)]
    if resolved:
        ecs_dns["resolved_ip"] = resolved
    doc["dns"] = ecs_dns


def _tls(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    tls = eve.get("tls")
    if type(tls) is not dict:
        return
    ecs_tls: dict[str, Any] = {}
    version = tls.get("version")
    if type(version) is str:
        protocol, _, number = version.partition(" ")
        ecs_tls["version_protocol"] = protocol.lower()
        if number:
            ecs_tls["version"] = number
    client: dict[str, Any] = {}
    if tls.get("sni"):
        client["server_name"] = tls["sni"]
        doc.setdefault("destination", {})["domain"] = tls["sni"]
    ja3 = tls.get("ja3")
    if type(ja3) is dict and ja3.get("hash"):
        client["ja3"] = ja3["hash"]
    server: dict[str, Any] = {}
    if tls.get("subject"):
        server["subject"] = tls["subject"]
    if tls.get("issuerdn"):
        server["issuer"] = tls["issuerdn"]
    ja3s = tls.get("ja3s")
    if type(ja3s) is dict and ja3s.get("hash"):
        server["ja3s"] = ja3s["hash"]
    if tls.get("notbefore"):
        server["not_before"] = tls["notbefore"]
    if tls.get("notafter"):
        server["not_after"] = tls["notafter"]
    if client:
        ecs_tls["client"] = client
    if server:
        ecs_tls["server"] = server
    if ecs_tls:
        doc["tls"] = ecs_tls


def _fileinfo(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    info = eve.get("fileinfo")
    if type(info) is not dict:
        return
    file: dict[str, Any] = {}
    name = info.get("filename")
    if type(name) is str:
        file["name"] = name.rsplit("/", 1)[-1]
        file["path"] = name
    if info.get("size") is not None:
        file["size"] = info["size"]
    hashes = {k: info[k] for k in ("md5", "sha1", "sha256") if info.get(k)}
    if hashes:
        file["hash"] = hashes
    if info.get("magic"):
        file["mime_type"] = info["magic"]
    if file:
        doc["file"] = file


def _ssh(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    ssh = eve.get("ssh")
    if type(ssh) is not dict:
        return
    client = ssh.get("client")
    if type(client) is dict and client.get("software_version"):
        doc["user_agent"] = {"original": client["software_version"]}


def _netflow(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    netflow = eve.get("netflow")
    if type(netflow) is not dict:
        return
    if netflow.get("bytes") is not None:
        doc.setdefault("network", {})["bytes"] = netflow["bytes"]
    if netflow.get("pkts") is not None:
        doc.setdefault("network", {})["packets"] = netflow["pkts"]
    _span(doc["event"], netflow)


def _anomaly(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    anomaly = eve.get("anomaly")
    if type(anomaly) is dict and anomaly.get("event"):
        doc["event"]["action"] = anomaly["event"]


def _drop(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    _alert(eve, doc)
    doc["event"]["type"] = ["denied"]


def _smb(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    smb = eve.get("smb")
    if type(smb) is dict and smb.get("command"):
        doc["event"]["action"] = str(smb["command"]).lower()


def _engine(eve: dict[str, Any], doc: dict[str, Any]) -> None:
    engine = eve.get("engine")
    if type(engine) is dict and engine.get("message"):
        doc["message"] = text(engine["message"], MESSAGE_CAP)
    if eve.get("log_level"):
        doc["log"] = {"level": str(eve["log_level"]).lower()}


_MAPPERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "alert": _alert,
    "drop": _drop,
    "flow": _flow,
    "netflow": _netflow,
    "http": _http,
    "fileinfo": _fileinfo,
    "dns": _dns,
    "tls": _tls,
    "ssh": _ssh,
    "anomaly": _anomaly,
    "smb": _smb,
    "engine": _engine,
}


# `message`: what an analyst reads of the record, one short line per event type (Suricata's fast.log,
# http.log and dns.log in spirit), so that events stay findable by text without indexing `event.original`.
# Values are bounded, NFC, one line, and "" where a list or null stands for a string (`ecs.text`). A "clean"
# line (ASCII, no backslash escape, no DEL: nearly every real one) can only hold printable ASCII strings, as
# JSON forbids raw control characters: its short strings are used as they are, which keeps this ~1 us.


def _route(src_ip: object, src_port: object, dest_ip: object, dest_port: object, clean: bool) -> str:
    """`1.2.3.4:5 -> 6.7.8.9:10` (`[2001:db8::1]:443` for IPv6; no port when there is none)."""
    if (
        clean
        and type(src_port) is int
        and type(dest_port) is int
        and type(src_ip) is str
        and type(dest_ip) is str
        and len(src_ip) < 40
        and len(dest_ip) < 40
        and ":" not in src_ip
        and ":" not in dest_ip
    ):
        return f"{src_ip}:{src_port} -> {dest_ip}:{dest_port}"
    return f"{_host(src_ip, src_port)} -> {_host(dest_ip, dest_port)}"


def _host(ip: object, port: object) -> str:
    address = text(ip, 64)
    if type(port) is not int:
        return address
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _join(*parts: str) -> str:
    return " ".join([p for p in parts if p])


def _alert_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    alert = eve.get("alert")
    if type(alert) is not dict:
        return _generic(eve.get("event_type"), eve, route)
    signature = alert.get("signature")
    category = alert.get("category")
    if (
        clean
        and type(signature) is str
        and type(category) is str
        and type(proto) is str
        and len(signature) <= VALUE_CAP
        and len(category) <= VALUE_CAP
        and len(proto) <= 16
        and alert.get("action") != "blocked"
    ):
        return f"{signature} {route} {proto} [{category}]" if category else f"{signature} {route} {proto}"
    category = text(category)
    return _join(
        text(signature) or f"signature {text(alert.get('signature_id'), 32)}",
        route,
        text(proto, 16),
        f"[{category}]" if category else "",
        "blocked" if alert.get("action") == "blocked" else "",
    )


def _drop_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    alert = eve.get("alert")
    signature = text(alert.get("signature")) if type(alert) is dict else ""
    return _join("drop", signature, route, text(proto, 16))


def _dns_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    dns = eve.get("dns")
    if type(dns) is not dict:
        return _generic("dns", eve, route)
    queries = dns.get("queries")  # EVE version 3
    first = queries[0] if type(queries) is list and queries and type(queries[0]) is dict else dns
    kind = dns.get("type")
    rrname, rrtype = first.get("rrname"), first.get("rrtype")
    if kind in ("query", "request"):
        if (
            clean
            and type(rrname) is str
            and type(rrtype) is str
            and len(rrname) <= VALUE_CAP
            and len(rrtype) <= 16
        ):
            return f"dns query {rrname} {rrtype} {route}"
        return _join("dns query", text(rrname), text(rrtype, 16), route)
    answers = dns.get("answers")
    data: list[str] = []
    grouped = dns.get("grouped")  # EVE dns v2/v3 "grouped" format: {"A": ["1.2.3.4", …], "CNAME": […]}
    if type(answers) is list:
        data = [text(a.get("rdata")) for a in answers[:3] if type(a) is dict]
    elif type(grouped) is dict:
        data = [text(v) for values in grouped.values() if type(values) is list for v in values[:3]][:3]
    elif "rdata" in dns:
        data = [text(dns.get("rdata"))]
    return _join(
        "dns answer" if kind is not None else "dns",
        text(rrname),
        text(rrtype, 16),
        text(dns.get("rcode"), 16),
        ", ".join([d for d in data if d]),
        route,
    )


def _http_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    http = eve.get("http")
    if type(http) is not dict:
        return _generic("http", eve, route)
    url = text(http.get("url"))
    if not url.startswith(("http://", "https://")):
        url = text(http.get("hostname"), 100) + url
    return _join(
        text(http.get("http_method"), 16) or "http",
        url,
        text(http.get("status"), 8),
        text(http.get("http_user_agent")),
        route,
    )


def _tls_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    tls = eve.get("tls")
    if type(tls) is not dict:
        return _generic("tls", eve, route)
    return _join("tls", text(tls.get("sni")), text(tls.get("version"), 16), text(tls.get("subject")), route)


def _fileinfo_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    info = eve.get("fileinfo")
    name = text(info.get("filename")) if type(info) is dict else ""
    http = eve.get("http")
    host = text(http.get("hostname"), 100) if type(http) is dict else ""
    return _join("file", name, host, route)


def _flow_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    flow = eve.get("flow")
    app_proto = eve.get("app_proto")
    name = "netflow" if eve.get("event_type") == "netflow" else "flow"
    if type(flow) is not dict:
        return _join(name, text(proto, 16), text(app_proto, 32) if app_proto != "failed" else "", route)
    state, reason = flow.get("state"), flow.get("reason")
    if (
        clean
        and type(proto) is str
        and type(state) is str
        and type(reason) is str
        and len(state) + len(reason) < 64
    ):
        if app_proto is None or app_proto == "failed":
            message = f"{name} {proto} {route} {state} ({reason})"
        elif type(app_proto) is str and len(app_proto) < 32:
            message = f"{name} {proto} {app_proto} {route} {state} ({reason})"
        else:
            message = f"{name} {proto} {route} {state} ({reason})"
        return f"{message} alerted" if flow.get("alerted") is True else message
    reason = text(reason, 32)
    return _join(
        name,
        text(proto, 16),
        text(app_proto, 32) if app_proto != "failed" else "",
        route,
        text(state, 32),
        f"({reason})" if reason else "",
        "alerted" if flow.get("alerted") is True else "",
    )


def _anomaly_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    anomaly = eve.get("anomaly")
    if type(anomaly) is not dict:
        return _generic("anomaly", eve, route)
    return _join(
        "anomaly",
        text(anomaly.get("type"), 32),
        text(anomaly.get("app_proto"), 32),
        text(anomaly.get("event")),
        route,
        text(proto, 16),
    )


def _ssh_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    ssh = eve.get("ssh")
    if type(ssh) is not dict:
        return _generic("ssh", eve, route)
    client, server = ssh.get("client"), ssh.get("server")
    return _join(
        "ssh client",
        text(client.get("software_version")) if type(client) is dict else "",
        "server",
        text(server.get("software_version")) if type(server) is dict else "",
        route,
    )


def _smb_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    smb = eve.get("smb")
    if type(smb) is not dict:
        return _generic("smb", eve, route)
    return _join(
        "smb", text(smb.get("command"), 64), text(smb.get("filename")), text(smb.get("share")), route
    )


def _dhcp_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    dhcp = eve.get("dhcp")
    if type(dhcp) is not dict:
        return _generic("dhcp", eve, route)
    return _join(
        "dhcp",
        text(dhcp.get("dhcp_type"), 32),
        text(dhcp.get("assigned_ip"), 64),
        text(dhcp.get("hostname")),
        text(dhcp.get("client_mac"), 32),
        route,
    )


def _stats_message(eve: dict[str, Any], route: str, proto: object, clean: bool) -> str:
    stats = eve.get("stats")
    uptime = text(stats.get("uptime"), 16) if type(stats) is dict else ""
    return f"stats uptime {uptime} s" if uptime else "stats"


def _generic(event_type: object, eve: dict[str, Any], route: str) -> str:
    """`<event_type> <app_proto> <src> -> <dst>` for the types without a message of their own."""
    name = text(event_type, 32) or "event"
    app_proto = eve.get("app_proto")
    return _join(name, text(app_proto, 32) if app_proto not in (name, "failed") else "", route)


_MESSAGES: dict[str, Callable[[dict[str, Any], str, object, bool], str]] = {
    "alert": _alert_message,
    "drop": _drop_message,
    "dns": _dns_message,
    "http": _http_message,
    "tls": _tls_message,
    "fileinfo": _fileinfo_message,
    "flow": _flow_message,
    "netflow": _flow_message,
    "anomaly": _anomaly_message,
    "ssh": _ssh_message,
    "smb": _smb_message,
    "dhcp": _dhcp_message,
    "stats": _stats_message,
}
