#!/usr/bin/env python3
"""Render golden sshd/PAM lines from the format strings of OpenSSH's and Linux-PAM's own log calls.

    scripts/render_sshd_catalogue.py [CATALOGUE_DIR] [--out tests/data/secmon/sshd-catalogue]

CATALOGUE_DIR (default ../shared/data/auth-log-catalogue) holds `openssh-log-calls.jsonl` (every log call
of OpenSSH 5.9–10.2 with its format string and the release tags that have it) and
`linux-pam-log-calls.jsonl`. Every call whose format shows an attempt from a remote address (and the
address-less calls that belong to one) has a renderer below; the script fails when the catalogue has such a
call without one, so a new OpenSSH wording cannot be missed silently.

Each format is filled with Python's `%` (the C format strings are `%`-compatible once `%ld`/`%llu`/`%zu`
are plain `%d`), for each version that has it, under the program name of that version (`sshd`;
`sshd-session` from 9.8; `sshd-auth` for the pre-authentication child of 10.x), with the level word the
call writes (`error: `, `fatal: `), `[preauth]` where the unprivileged child writes it, and rotating
framings (RFC 3164 with/without host, ISO, year-first, RFC 5424, Solaris `[ID n auth.info]`), addresses
(IPv4, IPv6, `::ffff:` mapped) and injection values (a user name, banner or offer that contains
"from 6.6.6.6 port 22", "rhost=6.6.6.6", …). The expected ECS fields of every line come from the values
put in, never from the parser. Output: `cases.jsonl` (one case = the lines of one connection and the
expected fields of each) — committed; the test reads only that file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CATALOGUE = ROOT.parent / "shared" / "data" / "auth-log-catalogue"
DEFAULT_OUT = ROOT / "tests" / "data" / "secmon" / "sshd-catalogue"
ORDER = ["V_5_9_P1", "V_6_6_P1", "V_7_4_P1", "V_7_9_P1", "V_8_2_P1", "V_8_9_P1", "V_9_2_P1", "V_9_6_P1",
         "V_9_8_P1", "V_10_0_P1", "V_10_2_P1"]  # fmt: skip

# Calls that mention a remote attempt only in words, or are the client's (ssh) side: not server families.
KEYWORDS = re.compile(
    r"(Failed %s|for %s%.100s from|Invalid user|ROOT LOGIN|not allowed because|maximum authentication"
    r"|Too many authentication|Connection closed|Connection reset|Disconnected from|Received disconnect"
    r"|identification|Unable to negotiate|Timeout before|Read from socket|banner|probed from|scanned from"
    r"|Username too long|prohibited connection|signature for %s|PAM: %s for|Connection %s|Disconnecting)"
)
CLIENT_FILES = ("sshconnect.c", "sshconnect2.c", "clientloop.c", "ssh.c")

ADDRESSES = [  # (as sshd prints it, expected source.ip)
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:4::17", "2001:db8:4::17"),
    ("::ffff:198.51.100.23", "198.51.100.23"),
    ("45.77.1.9", "45.77.1.9"),
]
USERS = ["root", "admin", "oracle", "user from 6.6.6.6 port 22", "x rhost=6.6.6.6 client: 6.6.6.6"]
INJECTIONS = {"user from 6.6.6.6 port 22", "x rhost=6.6.6.6 client: 6.6.6.6"}
FRAMINGS = ["3164", "3164-nohost", "iso", "year", "5424", "solaris", "3164"]


def version_key(tag: str) -> int:
    return ORDER.index(tag)


def programs(tag: str, preauth: bool) -> list[str]:
    if version_key(tag) >= version_key("V_10_0_P1"):
        return ["sshd-auth", "sshd-session"] if preauth else ["sshd-session"]
    if version_key(tag) >= version_key("V_9_8_P1"):
        return ["sshd-session"]
    return ["sshd"]


def c_format(fmt: str, *args: Any) -> str:
    """A C printf format filled in Python: length modifiers dropped, `%.100s` precision honoured."""
    py = re.sub(r"%(\.\d+)?(?:l|ll|z|h)?([sduc])", lambda m: "%" + (m.group(1) or "") + m.group(2), fmt)
    return py % args


def frame(body: str, program: str, pid: int, framing: str, seq: int) -> str:
    second = seq % 60
    if framing == "3164":
        return f"Oct 10 13:02:{second:02d} gw-portal {program}[{pid}]: {body}"
    if framing == "3164-nohost":
        return f"Oct 10 13:02:{second:02d} {program}[{pid}]: {body}"
    if framing == "iso":
        return f"2026-10-10T13:02:{second:02d}.123456+07:00 gw-portal {program}[{pid}]: {body}"
    if framing == "year":
        return f"2026 Oct 10 13:02:{second:02d} gw-portal {program}[{pid}]: {body}"
    if framing == "5424":
        return (
            f'<38>1 2026-10-10T13:02:{second:02d}Z gw-portal {program} {pid} - [origin ip="10.0.0.2"] {body}'
        )
    if framing == "solaris":
        return f"Oct 10 13:02:{second:02d} gw-portal {program}[{pid}]: [ID 800047 auth.info] {body}"
    raise ValueError(framing)


# A renderer returns the connection: [(body, expected-or-None)], expected = the ECS fields of that line.
Conn = list[tuple[str, dict[str, Any] | None]]
Renderer = Callable[[str, str, str, int, str], Iterator[tuple[str, Conn]]]


def _exp(ip: str | None, port: int | None = None, user: str | None = None, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"source.ip": ip}
    if port is not None:
        out["source.port"] = port
    if user is not None:
        out["user.name"] = user
    out.update(more)
    return out


FAIL = {"event.outcome": "failure", "event.category": ["authentication"]}
PROTO = {"event.outcome": "failure", "event.category": ["network"]}
OK = {"event.outcome": "success"}


def conn_id(who: str | None, user: str, addr: str, port: int) -> str:
    """sshpkt_fmt_connection_id (7.9+): "authenticating user root 1.2.3.4 port 22"."""
    return f"{who} {user} {addr} port {port}" if who else f"{addr} port {port}"


def opener(addr: str, port: int) -> str:
    """What sshd writes at VERBOSE when a connection arrives; used before address-less lines."""
    return f"Connection from {addr} port {port} on 10.20.0.5 port 22"


def render_call(call: dict[str, Any], addr: str, ip: str, port: int, user: str) -> Iterator[tuple[str, Conn]]:
    fmt, fn, file = call["format"], call["function"], call["file"]
    versions = call["versions"]
    old = version_key(versions[-1]) < version_key("V_7_9_P1")
    if fmt == "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s/invalid user : ":
        base = fmt.split("/invalid user")[0]
        yield (
            "failed-password",
            [
                (
                    c_format(base, "Failed", "password", "", "", "", user, addr, port, "", ""),
                    _exp(ip, port, user, **FAIL),
                )
            ],
        )
        yield (
            "failed-invalid",
            [
                (
                    c_format(base, "Failed", "password", "", "", "invalid user ", user, addr, port, "", ""),
                    _exp(ip, port, user, **FAIL),
                )
            ],
        )
        yield (
            "failed-kbdint",
            [
                (
                    c_format(
                        base, "Failed", "keyboard-interactive", "/", "pam", "", user, addr, port, "", ""
                    ),
                    _exp(ip, port, user, **FAIL),
                )
            ],
        )
        yield (
            "failed-publickey",
            [
                (
                    c_format(
                        base,
                        "Failed",
                        "publickey",
                        "",
                        "",
                        "",
                        user,
                        addr,
                        port,
                        ": ",
                        "RSA SHA256:0kcPqnmFuQ7F5oVf5n3hM8VVgdfV3yoG9yCi7fH0IpI",
                    ),
                    # a refused key is no verdict yet (agents offer several keys) …
                    _exp(ip, port, user, **{"event.outcome": "unknown"}),
                ),
                # … the connection that then ends before authentication is the failure
                (f"Connection closed by {addr} port {port} [preauth]", _exp(ip, port, user, **FAIL)),
            ],
        )
        yield (
            "accepted",
            [
                (
                    c_format(base, "Accepted", "password", "", "", "", user, addr, port, "", ""),
                    _exp(ip, port, user, **OK),
                )
            ],
        )
        return
    if fmt.startswith("Invalid user"):
        args = (user, addr, port) if "port" in fmt else (user, addr)
        yield (
            "invalid-user",
            [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, user, **FAIL))],
        )
        return
    if fmt.startswith("ROOT LOGIN REFUSED"):
        args = (addr, port) if "port" in fmt else (addr,)
        yield "root-refused", [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, **FAIL))]
        return
    if fmt.startswith("User %.100s not allowed because"):  # no address: the connection's first line has it
        extra = ("/bin/false",) if "shell" in fmt else ("/etc/nologin",) if "%s exists" in fmt else ()
        yield (
            "not-allowed-noaddr",
            [
                (opener(addr, port), _exp(ip, port)),
                (c_format(fmt, user, *extra), _exp(ip, port, user, **FAIL)),
            ],
        )
        return
    if fmt.startswith("User %.100s from %.100s not allowed"):
        yield "not-allowed", [(c_format(fmt, user, addr), _exp(ip, None, user, **FAIL))]
        return
    if fmt.startswith("maximum authentication attempts exceeded"):
        base = fmt.removesuffix("invalid user ")
        for invalid in ("", "invalid user "):
            yield (
                "max-attempts",
                [(c_format(base, invalid, user, addr, port) + " [preauth]", _exp(ip, port, user, **FAIL))],
            )
        return
    if fmt == "Disconnecting %s: %.100s":
        for who in ("authenticating user", "invalid user"):
            yield (
                "too-many",
                [
                    (
                        c_format(fmt, conn_id(who, user, addr, port), "Too many authentication failures")
                        + " [preauth]",
                        _exp(ip, port, user, **FAIL),
                    )
                ],
            )
        return
    if fmt == "Disconnecting: %.100s":
        text = (
            "Too many authentication failures"
            if version_key(versions[-1]) >= 2
            else ("Too many authentication failures for " + user)
        )
        yield (
            "too-many-noaddr",
            [
                (
                    c_format("Failed %s for %s from %s port %d ssh2", "password", user, addr, port),
                    _exp(ip, port, user, **FAIL),
                ),
                (c_format(fmt, text) + " [preauth]", _exp(ip, None, None, **FAIL)),
            ],
        )
        return
    if fmt.startswith("PAM: %s for"):
        base = fmt.removesuffix("illegal user ")
        for illegal in ("", "illegal user "):
            yield (
                "pam-sshd",
                [
                    (
                        "error: " + c_format(base, "Authentication failure", illegal, user, addr),
                        _exp(ip, None, user, **FAIL),
                    )
                ],
            )
        return
    if fmt.startswith("public key %s %s signature") or fmt.startswith("public key %s signature"):
        base = fmt.removesuffix("invalid user ").rstrip()
        keyargs = ("ECDSA-SK", "SHA256:Yo1X5s4Bq") if fmt.startswith("public key %s %s") else ("ECDSA-SK",)
        yield (
            "pubkey-rejected",
            [("error: " + c_format(base, *keyargs, "", user, addr, port), _exp(ip, port, user, **FAIL))],
        )
        return
    if fmt.startswith("administratively prohibited"):
        base = fmt.removesuffix("invalid user ")
        yield "prohibited", [(c_format(base, "", user, addr, port), _exp(ip, port, user, **FAIL))]
        return
    if fmt.startswith("Username too long"):
        yield "username-too-long", [("fatal: " + c_format(fmt, addr, port), _exp(ip, port, **FAIL))]
        return
    if file != "kex.c" and re.match(r"(Connection closed by|Connection reset by|Disconnected from) ", fmt):
        if file == "serverloop.c":  # after a session: an ordinary end, address only
            yield (
                "closed-session",
                [
                    (
                        c_format(fmt, *((addr, port) if "port" in fmt else (addr,))),
                        _exp(ip, port if "port" in fmt else None),
                    )
                ],
            )
            return
        if old or "%.200s" in fmt:  # 5.9–7.4: the address only; a failure when its connection failed before
            args = (addr, port) if "port" in fmt else (addr,)
            yield (
                "closed-after-invalid",
                [
                    ("input_userauth_request: invalid user " + user + " [preauth]", None),
                    (
                        c_format(fmt, *args) + " [preauth]",
                        _exp(ip, port if "port" in fmt else None, user, **FAIL),
                    ),
                ],
            )
            return
        for who in ("authenticating user", "invalid user"):
            yield (
                "closed-preauth",
                [
                    (
                        c_format(fmt, conn_id(who, user, addr, port)) + " [preauth]",
                        _exp(ip, port, user, **FAIL),
                    )
                ],
            )
        yield (
            "closed-noauth",
            [(c_format(fmt, conn_id(None, user, addr, port)) + " [preauth]", _exp(ip, port, **PROTO))],
        )
        return
    if fmt.startswith("Received disconnect from"):
        level = "error: " if fn == "error" else ""
        reasons = ["Bye Bye", "com.jcraft.jsch.JSchException: Auth fail", "disconnect from 6.6.6.6 port 22"]
        if "port %d:%u" in fmt:
            args: tuple[Any, ...] = (addr, port, 11)
        elif "port %d" in fmt:
            args = (addr, port)
        elif "%u" in fmt:
            args = (addr, 11)
        else:
            args = (addr,)
        for reason in reasons:
            yield (
                "received-disconnect",
                [
                    (
                        c_format("Failed %s for %s from %s port %d ssh2", "password", user, addr, port),
                        _exp(ip, port, user, **FAIL),
                    ),
                    (
                        level + c_format(fmt, *args, reason) + " [preauth]",
                        _exp(ip, port if "port" in fmt else None, **FAIL),
                    ),
                ],
            )
        return
    if file == "kex.c" and fn == "fatal":  # 5.9/6.6: no address; the connection's first line has it
        yield (
            "kex-fatal",
            [(opener(addr, port), _exp(ip, port)), ("fatal: " + fmt + " [preauth]", _exp(ip, port, **PROTO))],
        )
        return
    if fmt.startswith("Unable to negotiate with"):
        offer = "diffie-hellman-group1-sha1 from 6.6.6.6 port 22"
        reason = "no matching key exchange method found"
        args = (addr, port, reason, offer) if "port %d" in fmt else (f"{addr} port {port}", reason, offer)
        yield "negotiate", [(c_format(fmt, *args) + " [preauth]", _exp(ip, port, **PROTO))]
        return
    if fmt.startswith("Did not receive identification string"):
        args = (addr, port) if "port" in fmt else (addr,)
        yield "no-ident", [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, **PROTO))]
        return
    if fmt.startswith("Bad protocol version identification"):
        banner = "GET / HTTP/1.1' from 6.6.6.6 port 22 '"
        args = (banner, addr, port) if "port" in fmt else (banner, addr)
        yield "bad-version", [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, **PROTO))]
        return
    if fmt.startswith("Protocol major versions differ for"):
        args = (
            (addr, port, "SSH-1.5-Nmap-SSH1-Hostkey", "SSH-2.0-OpenSSH")
            if "port" in fmt
            else (addr, "SSH-1.5-Nmap-SSH1-Hostkey", "SSH-2.0-OpenSSH")
        )
        yield "major-versions", [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, **PROTO))]
        return
    if file == "kex.c" and fn in ("error", "error_f", "verbose_f"):
        body = fmt
        if fmt.startswith("%s: "):
            body = fmt[4:]
        if "%.256s" in body:
            body = c_format(body, "GET / HTTP/1.1")
        elif "%d" in body:
            body = c_format(body, 1, 2)
        elif "%.100s" in body:
            body = c_format(body, "SSH-1.0-scanner")
        prefix = "error: " if fn.startswith("error") else ""
        named = "kex_exchange_identification: " if (fmt.startswith("%s: ") or fn.endswith("_f")) else ""
        closing = f"Connection closed by {addr} port {port}"
        yield "kex-then-closed", [(prefix + named + body, None), (closing, _exp(ip, port, **PROTO))]
        yield (
            "kex-then-banner",
            [
                (prefix + named + body, None),
                (
                    f"banner exchange: Connection from {addr} port {port}: invalid format",
                    _exp(ip, port, **PROTO),
                ),
            ],
        )
        return
    if fmt.startswith("Timeout before authentication"):
        yield "preauth-timeout", [(c_format(fmt, f"{addr} port {port}", 31337, ""), _exp(ip, port, **PROTO))]
        return
    if fmt.startswith(("Read from socket failed", "Write failed")):
        yield (
            "socket-failed",
            [
                (opener(addr, port), _exp(ip, port)),
                (
                    "fatal: " + c_format(fmt, "Connection reset by peer") + " [preauth]",
                    _exp(ip, port, **PROTO),
                ),
            ],
        )
        return
    if fmt.startswith(("probed from", "scanned from")):
        args = (addr, port, "ZGrab/0.x") if "port" in fmt else (addr, "ZGrab/0.x")
        yield "probed", [(c_format(fmt, *args), _exp(ip, port if "port" in fmt else None, **PROTO))]
        return
    if "Connection %s" in fmt and file == "packet.c":
        if "timed out" in fmt:
            base = fmt.removesuffix("fromto")
            args = ("from", addr, port) if "%.200s port %d" in base else ("from", f"{addr} port {port}")
            yield "packet-timeout", [(c_format(base, *args), _exp(ip, port))]
            return
        base = fmt.removesuffix(": fromto")
        if "%.200s port %d" in base:
            args = (
                "ssh_dispatch_run_fatal",
                ": ",
                "from",
                addr,
                port,
                "message authentication code incorrect",
            )
        else:
            args = (
                "ssh_dispatch_run_fatal",
                ": ",
                "from",
                conn_id(None, user, addr, port),
                "message authentication code incorrect",
            )
        yield "dispatch-fatal", [(c_format(base, *args) + " [preauth]", _exp(ip, port, **PROTO))]
        return
    raise KeyError(fmt)


def not_a_family(call: dict[str, Any]) -> str | None:
    """Why a call that matched KEYWORDS is no server-side attempt family (None: it must be rendered)."""
    fmt, file = call["format"], call["file"]
    if file in CLIENT_FILES or file.startswith(("sshconnect", "auth-sia", "auth-rh-rsa")):
        return "client side or obsolete platform"
    if "no/invalid user" in fmt or "authenticated invalid user" in fmt or "INTERNAL ERROR" in fmt:
        return "internal error"
    if fmt.startswith(
        (
            "Connection from %s: refusing",
            "Connection from %.100s with IP",
            "Connection from %.100s port %d with IP",
        )
    ):
        return "policy refusal of an authenticated session / IP options"
    if fmt == "Too many authentication failures":
        return "the reason text of 'Disconnecting …' (rendered there)"
    if fmt.startswith(("Could not write ident", "Failed to ", "Accepted ", "refused ", "%s: key type")):
        return "local configuration/account state or no client address"
    return None


def pam_cases() -> Iterator[tuple[str, Conn]]:
    """Linux-PAM pam_unix/pam_access formats, as sshd's PAM stack writes them."""
    fields = "logname= uid=0 euid=0 tty=ssh ruser= rhost=%s"
    for (addr, ip), user in zip(ADDRESSES, USERS, strict=False):
        addr = addr.removeprefix("::ffff:")  # PAM writes the host sshd gives it (PAM_RHOST)
        ip = addr
        yield (
            "pam-unix",
            [
                (
                    f"pam_unix(sshd:auth): authentication failure; {fields % addr}  user={user}",
                    _exp(ip, None, user, **FAIL),
                )
            ],
        )
        yield (
            "pam-unix-nouser",
            [(f"pam_unix(sshd:auth): authentication failure; {fields % addr}", _exp(ip, None, None, **FAIL))],
        )
        yield (
            "pam-unix-more",
            [
                (
                    f"PAM 2 more authentication failures; {fields % addr}  user={user}",
                    _exp(ip, None, user, **FAIL),
                )
            ],
        )
        yield (
            "pam-unix-old",
            [(f"(pam_unix) authentication failure; {fields % addr}", _exp(ip, None, None, **FAIL))],
        )
        yield (
            "pam-access",
            [
                (
                    f"pam_access(sshd:account): access denied for user `{user}' from `{addr}'",
                    _exp(ip, None, user, **FAIL),
                )
            ],
        )
        yield (
            "pam-user-unknown",
            [
                (opener(addr, 40022), _exp(ip, 40022)),
                ("pam_unix(sshd:auth): check pass; user unknown", _exp(ip, 40022, **FAIL)),
            ],
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", nargs="?", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    calls = [json.loads(line) for line in (args.catalogue / "openssh-log-calls.jsonl").open(encoding="utf-8")]
    pam_calls = [
        json.loads(line) for line in (args.catalogue / "linux-pam-log-calls.jsonl").open(encoding="utf-8")
    ]
    assert any("rhost=%s" in c["format"] for c in pam_calls), (
        "pam_unix authentication failure format not found"
    )
    cases: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    missing = []
    seq = itertools.count()
    variant = itertools.count()
    for call in calls:
        if not KEYWORDS.search(call["format"]) or call["function"].startswith("debug"):
            continue
        reason = not_a_family(call)
        if reason:
            skipped[f"{call['file']}: {call['format']}"] = reason
            continue
        for tag in call["versions"]:
            n = next(variant)
            addr, ip = ADDRESSES[n % len(ADDRESSES)]
            user = USERS[n % len(USERS)]
            port = 40000 + n
            try:
                rendered = list(render_call(call, addr, ip, port, user))
            except KeyError:
                missing.append(call)
                break
            for name, conn in rendered:
                preauth = any(body.endswith("[preauth]") for body, _ in conn)
                for program in programs(tag, preauth):
                    framing = FRAMINGS[next(seq) % len(FRAMINGS)]
                    pid = 20000 + len(cases)
                    lines = [frame(body, program, pid, framing, i) for i, (body, _) in enumerate(conn)]
                    cases.append(
                        {
                            "id": f"{name}/{tag}/{program}/{framing}/{len(cases)}",
                            "family": name,
                            "format": call["format"],
                            "file": call["file"],
                            "version": tag,
                            "injection": user in INJECTIONS or "6.6.6.6" in " ".join(lines),
                            "lines": lines,
                            "expected": [exp for _, exp in conn],
                        }
                    )
    for name, conn in pam_cases():
        framing = FRAMINGS[next(seq) % len(FRAMINGS)]
        pid = 20000 + len(cases)
        lines = [frame(body, "sshd", pid, framing, i) for i, (body, _) in enumerate(conn)]
        cases.append(
            {
                "id": f"{name}/pam/{framing}/{len(cases)}",
                "family": name,
                "format": "linux-pam",
                "file": "pam_unix.c",
                "version": "linux-pam",
                "injection": "6.6.6.6" in " ".join(lines),
                "lines": lines,
                "expected": [exp for _, exp in conn],
            }
        )
    if missing:
        for call in missing:
            print(f"no renderer for {call['file']}: {call['format']!r}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "cases.jsonl").open("w", encoding="utf-8") as out:
        for case in cases:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")
    with (args.out / "not-families.json").open("w", encoding="utf-8") as out:
        json.dump(dict(sorted(skipped.items())), out, indent=1, ensure_ascii=False)
        out.write("\n")
    print(
        f"{len(cases)} cases ({sum(len(c['lines']) for c in cases)} lines) from "
        f"{len({c['format'] for c in cases})} formats; {len(skipped)} calls are no attempt family"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
