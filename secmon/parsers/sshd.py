"""sshd and PAM messages as OpenSSH 5.9–10.2 and Linux-PAM really write them → ECS authentication fields.

Every message family that shows an attempt from a remote address is one entry of `FAMILIES`: a name, a
pattern and what it means. The patterns are written against the format strings of OpenSSH's own log calls
(tests/data/secmon/sshd-catalogue/ renders every one of them) and obey one rule: **the address is taken
from the part of the line that the daemon writes**. Where a client-controlled value (a user name, a
banner, a disconnect reason, a key-exchange offer) comes before the address, the pattern is anchored
at the end of the line and the value is matched greedily, so the *last* "from <addr> port <n>" wins,
as fail2ban does; where the address comes first, it is the first token after the fixed words. A user
called "x from 1.2.3.4" therefore never sets `source.ip`.

Before matching, what real systems put around the message is removed: Solaris/illumos `[ID 800047
auth.info]`, `error:`/`fatal:`/`warning:` level words, `(pam_unix)` / `pam_unix:` prefixes and the
`[preauth]`/`[net]` suffixes of the unprivileged child (recorded as `system.auth.ssh.preauth`).
`::ffff:a.b.c.d` is the IPv4 address a.b.c.d.

Several families write no address ("input_userauth_request: invalid user x", "kex_exchange_identification:
…", "fatal: Read from socket failed", "Disconnecting: Too many authentication failures for root"). They are
attributed by correlating the lines of one sshd process (same host, same pid): an `SshdSessions` object
remembers, per connection, the address, the user and whether it already failed; an address-less line
gets the address its connection showed, and an ambiguous closing line ("Connection closed by A port P")
inherits the failure its connection showed before. Each failure carries `vigil.attempt`, one key per
authentication attempt of a connection, so rules count attempts, not lines (a failed password writes a
PAM line, a "Failed password" line and maybe a closing line: one attempt).

`vigil.attacker` says who is on the other end: the IP, else the host name the daemon wrote (with UseDNS,
PAM's `rhost=` is the client's resolved name and may be all a connection shows). When a connection showed a
name and then its IP, the sessions remember that name → IP for the host, and later connections showing only
that name get the IP (`system.auth.ssh.address_from: name`): one client, one attacker. A name sshd itself
rejected ("reverse mapping … failed") is never learnt.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SSHD_PROGRAMS = frozenset({"sshd", "sshd-session", "sshd-auth"})

# Kinds: what a family means for detections.
AUTH_FAILURE = "auth_failure"  # an authentication attempt that failed (brute-force rules count these)
AUTH_SUCCESS = "auth_success"
PROTOCOL_FAILURE = "protocol_failure"  # no/bad banner, key exchange, timeout: scanners (scanner rule)
CLOSED = "closed"  # a connection ended: a failure only when its connection failed before, or [preauth]
INFO = "info"  # an address worth remembering (Connection from …), nothing more

# When a failure is counted against the attempts of its connection.
PRE = "pre"  # written before the attempt's own "Failed …" line (PAM, invalid user): the next attempt
OWN = "own"  # the attempt itself ("Failed password"): a new attempt
POST = "post"  # after the attempts (closing, too many failures): the last attempt, or the first if none

ADDR = r"(?P<addr>\S+)"
PORT = r"(?P<port>\d+)"
WHO = r"(?:(?P<who>authenticating user|invalid user|user) (?P<user>.*) )"  # sshpkt_fmt_connection_id
PAM_FIELDS = (
    r"logname=(?P<logname>\S*) uid=(?P<uid>\d*) euid=(?P<euid>\d*) tty=(?P<tty>\S*) "
    r"ruser=(?P<ruser>.*?) rhost=(?P<rhost>\S*)(?:\s+user=(?P<user>.*?))?\s*"
)
NOT_ALLOWED_REASONS = (
    r"(?:not listed in AllowUsers|listed in DenyUsers|not in any group|a group is listed in DenyGroups"
    r"|none of user's groups are listed in AllowGroups)"
)


@dataclass(frozen=True)
class Family:
    name: str  # stable name, used by tests and docs
    pattern: re.Pattern[str]
    kind: str
    action: str
    when: str = PRE


def _f(name: str, pattern: str, kind: str, action: str, when: str = PRE) -> Family:
    return Family(name, re.compile(pattern), kind, action, when)


FAMILIES: tuple[Family, ...] = (
    # auth.c auth_log(): "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s"
    _f(
        "accepted",
        r"^Accepted (?P<method>\S+) for (?P<user>.*) from " + ADDR + r" port " + PORT
        + r"(?: ssh[12])?(?:: (?P<extra>.*))?$",
        AUTH_SUCCESS, "ssh_login",
    ),
    _f(
        "failed",
        r"^Failed (?P<method>\S+) for (?P<invalid>invalid user )?(?P<user>.*) from " + ADDR
        + r"(?: port " + PORT + r")?(?: ssh[12])?(?:: (?P<extra>.*))?$",
        AUTH_FAILURE, "ssh_login", OWN,
    ),
    _f(
        "partial",
        r"^(?P<verb>Partial|Postponed) (?P<method>\S+) for (?P<invalid>invalid user )?(?P<user>.*) from "
        + ADDR + r" port " + PORT + r"(?: ssh2)?(?:: (?P<extra>.*))?$",
        INFO, "ssh_login_partial",
    ),
    _f(
        "invalid_user",
        r"^(?:[Ii]nvalid|Illegal) user (?P<user>.*) from " + ADDR + r"(?: port " + PORT + r")?$",
        AUTH_FAILURE, "invalid_user",
    ),
    _f(
        "invalid_user_noaddr",
        r"^input_userauth_request: invalid user (?P<user>.*)$",
        AUTH_FAILURE, "invalid_user",
    ),
    _f(
        "user_not_allowed",
        r"^User (?P<user>.*) from " + ADDR + r" not allowed because " + NOT_ALLOWED_REASONS + r"$",
        AUTH_FAILURE, "ssh_user_not_allowed",
    ),
    _f(
        "user_not_allowed_noaddr",
        r"^User (?P<user>.*) not allowed because "
        r"(?:account is locked|shell \S+ (?:does not exist|is not executable)|\S+ exists)$",
        AUTH_FAILURE, "ssh_user_not_allowed",
    ),
    _f(
        "root_refused",
        r"^ROOT LOGIN REFUSED FROM " + ADDR + r"(?: port " + PORT + r")?$",
        AUTH_FAILURE, "ssh_root_login_refused",
    ),
    _f(
        "max_attempts",
        r"^maximum authentication attempts exceeded for (?P<invalid>invalid user )?(?P<user>.*) from "
        + ADDR + r" port " + PORT + r"(?: ssh2)?$",
        AUTH_FAILURE, "ssh_too_many_failures", POST,
    ),
    _f(
        "too_many_failures",
        r"^Disconnecting " + WHO + r"?" + ADDR + r" port " + PORT + r": Too many authentication failures$",
        AUTH_FAILURE, "ssh_too_many_failures", POST,
    ),
    _f(
        "disconnecting",  # packet_disconnect of the unprivileged child: "Change of username … not allowed" …
        r"^Disconnecting " + WHO + r"?" + ADDR + r" port " + PORT + r": (?P<reason>[A-Z][^:]*(?::.*)?)$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "too_many_failures_noaddr",
        r"^Disconnecting: Too many authentication failures(?: for (?P<invalid>invalid user )?(?P<user>.*))?$",
        AUTH_FAILURE, "ssh_too_many_failures", POST,
    ),
    _f(
        "pubkey_rejected",
        r"^public key (?:\S+ )?\S+ signature for (?P<invalid>invalid user )?(?P<user>.*) from " + ADDR
        + r" port " + PORT + r" rejected: user (?:presence \(authenticator touch\)|verification) requirement"
        r" not met\s*$",
        AUTH_FAILURE, "ssh_pubkey_rejected", OWN,
    ),
    _f(
        "prohibited",
        r"^administratively prohibited connection for (?P<invalid>invalid user )?(?P<user>.*) from " + ADDR
        + r" port " + PORT + r"$",
        AUTH_FAILURE, "ssh_connection_prohibited",
    ),
    _f(
        "username_too_long",
        r"^Username too long from " + ADDR + r" port " + PORT + r"$",
        AUTH_FAILURE, "ssh_username_too_long",
    ),
    # PAM as sshd reports it (auth-pam.c "PAM: %s for %s%.100s from %.100s"; BSD/macOS add " via <addr>")
    _f(
        "pam_sshd",
        r"^PAM: (?P<reason>[A-Za-z][\w ]*?) for (?P<invalid>illegal user )?(?P<user>.*) from " + ADDR
        + r"(?: port " + PORT + r")?(?: via \S+)?$",
        AUTH_FAILURE, "pam_authentication_failure",
    ),
    # Linux-PAM pam_unix: "authentication failure; logname=%s uid=%d euid=%d tty=%s ruser=%s rhost=%s
    # user=%s" (the user, which a client chooses, comes last; rhost is read from the left)
    _f(
        "pam_unix_failure",
        r"^(?:pam_unix\([^)]*\): )?authentication failure; " + PAM_FIELDS + r"$",
        AUTH_FAILURE, "pam_authentication_failure",
    ),
    _f(
        "pam_unix_more",
        r"^(?:pam_unix\([^)]*\): )?PAM (?P<count>\d+) more authentication failures?; " + PAM_FIELDS + r"$",
        AUTH_FAILURE, "pam_authentication_failures", POST,
    ),
    _f(
        "pam_user_unknown",
        r"^(?:pam_unix\([^)]*\): )?check pass; user (?:\((?P<user>.*)\) )?unknown$",
        AUTH_FAILURE, "pam_user_unknown",
    ),
    _f(
        "pam_access_denied",
        r"^(?:pam_access\([^)]*\): )?access denied for user `(?P<user>.*)' from `" + r"(?P<addr>[^'\s]*)'$",
        AUTH_FAILURE, "pam_access_denied",
    ),
    _f(
        "pam_faillock",
        r"^(?:pam_faillock\([^)]*\): )?Consecutive login failures for user (?P<user>.*) "
        r"account temporarily locked$",
        AUTH_FAILURE, "pam_account_locked", POST,
    ),
    # Connection ends (packet.c sshpkt_fatal / serverloop.c)
    _f(
        "closed",
        r"^(?P<verb>Connection closed by|Connection reset by|Disconnected from) " + WHO + r"?" + ADDR
        + r" port " + PORT + r"$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "closed_old",
        r"^(?P<verb>Connection closed by|Connection reset by|Disconnected from) "
        r"(?P<addr>[^\s:]+|[0-9a-fA-F:.]+)$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "received_disconnect",
        r"^Received disconnect from " + ADDR + r" port " + PORT + r":(?:(?P<code>\d+):)? ?(?P<reason>.*)$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "received_disconnect_old",
        r"^Received disconnect from (?P<addr>\S+?): (?:(?P<code>\d+): )?(?P<reason>.*)$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "timeout_client",
        r"^Timeout, client not responding from " + WHO + r"?" + ADDR + r" port " + PORT + r"$",
        CLOSED, "ssh_disconnect", POST,
    ),
    # Protocol failures before authentication: scanners and banner grabbers
    _f(
        "no_identification",
        r"^Did not receive identification string from " + ADDR + r"(?: port " + PORT + r")?$",
        PROTOCOL_FAILURE, "ssh_no_identification",
    ),
    _f(
        "bad_version",
        r"^Bad protocol version identification '(?P<banner>.*)' from " + ADDR + r"(?: port " + PORT + r")?$",
        PROTOCOL_FAILURE, "ssh_bad_protocol_version",
    ),
    _f(
        "major_versions_differ",
        r"^Protocol major versions differ for " + ADDR + r"(?: port " + PORT + r")?: .*$",
        PROTOCOL_FAILURE, "ssh_bad_protocol_version",
    ),
    _f(
        "kex_noaddr",
        r"^(?:kex_exchange_identification|ssh_exchange_identification|kex_[a-z_]+): (?P<reason>.*)$",
        PROTOCOL_FAILURE, "ssh_kex_failed",
    ),
    _f(
        "kex_noaddr_plain",
        r"^(?P<reason>Connection timed out during banner exchange"
        r"|Protocol major versions differ: \d+ vs\. \d+"
        r"|Unable to negotiate a key exchange method|no matching \w+ found: client .* server .*"
        r"|client sent invalid protocol identifier \".*\"|banner line contains invalid characters"
        r"|banner line too long|Bad remote protocol version identification: '.*'"
        r"|Connection closed by remote host|read: .*)$",
        PROTOCOL_FAILURE, "ssh_kex_failed",
    ),
    _f(
        "negotiate",
        r"^Unable to negotiate with " + ADDR + r"(?: port " + PORT + r")?: "
        r"(?P<reason>no matching [\w -]+ found)\. Their offer: (?P<offer>.*)$",
        PROTOCOL_FAILURE, "ssh_negotiation_failed",
    ),
    _f(
        "packet_fatal",  # sshpkt_fatal: "[<tag>: ]Connection from <id>: <ssh_err>" (banner exchange …)
        r"^(?:(?P<tag>[\w ]+): )?Connection (?:from|to) " + WHO + r"?" + ADDR + r" port " + PORT
        + r": (?P<reason>.*)$",
        PROTOCOL_FAILURE, "ssh_kex_failed", POST,
    ),
    _f(
        "packet_timeout",
        r"^Connection (?:from|to) " + WHO + r"?" + ADDR + r" port " + PORT + r" timed out$",
        CLOSED, "ssh_disconnect", POST,
    ),
    _f(
        "preauth_timeout",
        r"^Timeout before authentication for " + ADDR + r"(?: port " + PORT + r")?"
        r"(?:, pid = \d+)?(?: \(early\))?$",
        PROTOCOL_FAILURE, "ssh_preauth_timeout", POST,
    ),
    _f(
        "socket_failed",
        r"^(?P<reason>(?:Read from socket|Write) failed: .*)$",
        PROTOCOL_FAILURE, "ssh_connection_failed", POST,
    ),
    _f(
        "probed",
        r"^(?:probed|scanned) from " + ADDR + r"(?: port " + PORT + r")? "
        r"with (?P<software>.*)\.  Don't panic\.$",
        PROTOCOL_FAILURE, "ssh_scanner_probe",
    ),
    _f(
        "tcp_wrappers",  # libwrap: "refused connect from <name> (<addr>)"
        r"^refused connect from (?P<domain>\S+) \((?P<addr>[^)\s]+)\)$",
        PROTOCOL_FAILURE, "ssh_connection_refused",
    ),
    # Context lines
    _f(
        "rhel_audit",  # Red Hat's "SSH: Server;Ltype: Version;Remote: 1.2.3.4-1780;…" lines
        r"^SSH: Server;Ltype: \w+;Remote: (?P<addr>[^;\s]+?)-(?P<port>\d+);.*$",
        INFO, "ssh_connection_info",
    ),
    _f(
        "connection_from",
        r"^Connection from " + ADDR + r" port " + PORT + r"(?: on \S+ port \d+(?: rdomain \"\S*\")?)?$",
        INFO, "ssh_connection",
    ),
    _f(
        "reverse_mapping",
        r"^reverse mapping checking getaddrinfo for (?P<domain>\S+) \[(?P<addr>[^\]]+)\] failed"
        r"(?:\.| - POSSIBLE BREAK-IN ATTEMPT!)$",
        INFO, "ssh_reverse_mapping_failed",
    ),
)  # fmt: skip

_ID_PREFIX = re.compile(r"^(?:\[ID \d+ [\w.]+\] |kernel: ?\[\s*\d+\.\d+\]:? ?)")  # Solaris; kernel:[ts]
_LEVEL_PREFIX = re.compile(r"^(?:error|fatal|warning|debug\d?|info|verbose): ")
_PAM_PREFIX = re.compile(r"^(?:\((pam_\w+)\) |(pam_\w+): )")
_SUFFIX = re.compile(r" \[(preauth|net)\]$")
_AUTH_GIVE_UP = re.compile(
    r"(?i)auth fail|auth cancel|no (?:more user|supported) authentication methods|too many authentication"
)
_REPEATED = re.compile(r"^message repeated (\d+) times: \[\s*(.*?)\s*\]$")


def normalise(message: str) -> tuple[str, dict[str, Any]]:
    """The daemon's message without what syslog, Solaris, PAM and the privsep child put around it."""
    notes: dict[str, Any] = {}
    text = message.strip()
    for _ in range(3):  # "[ID n auth.info] error: …" and "error: PAM: …" stack
        before = text
        text = _ID_PREFIX.sub("", text)
        level = _LEVEL_PREFIX.match(text)
        if level:
            notes.setdefault("level", level.group(0)[:-2])
            text = text[level.end() :]
        pam = _PAM_PREFIX.match(text)
        if pam:
            text = text[pam.end() :]
        if text == before:
            break
    suffix = _SUFFIX.search(text)
    if suffix:
        notes[suffix.group(1)] = True
        text = text[: suffix.start()]
    return text, notes


def address(text: str | None) -> tuple[str | None, str | None]:
    """(ip, domain) of an address as sshd prints it: `::ffff:a.b.c.d` is a.b.c.d, `[v6]` is v6."""
    if not text:
        return None, None
    value = text.strip("[]")
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None, value
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped), None
    return (value if "%" in value else str(ip)), None


@dataclass
class _Connection:
    ip: str | None = None
    domain: str | None = None
    port: int | None = None
    user: str | None = None
    attempts: int = 0
    failed: bool = False  # an authentication failure was seen on this connection
    protocol_action: str | None = None  # an address-less protocol failure waiting for the address
    ended: bool = False  # its end was logged: a further closing line is an echo of it


class SshdSessions:
    """What one ingester knows about live sshd connections, by (host, pid); bounded, oldest dropped."""

    MAX = 20_000

    def __init__(self) -> None:
        self._connections: OrderedDict[tuple[str, int], _Connection] = OrderedDict()
        # (host, name) → the IP a connection of that host showed after showing only that name
        self._names: OrderedDict[tuple[str, str], str] = OrderedDict()

    def learn(self, host: str, name: str, ip: str) -> None:
        """One connection showed the host `name` (PAM rhost, UseDNS) and then the IP `ip`: the same client."""
        self._names[(host, name)] = ip
        self._names.move_to_end((host, name))
        if len(self._names) > self.MAX:
            self._names.popitem(last=False)

    def ip_of(self, host: str, name: str) -> str | None:
        """The IP an earlier connection of `host` showed for the host name `name`, if any."""
        return self._names.get((host, name))

    def get(self, key: tuple[str, int] | None) -> _Connection | None:
        if key is None:
            return None
        found = self._connections.get(key)
        if found is None:
            found = self._connections[key] = _Connection()
            if len(self._connections) > self.MAX:
                self._connections.popitem(last=False)
        else:
            self._connections.move_to_end(key)
        return found

    def end(self, key: tuple[str, int] | None) -> None:
        if key is not None:
            self._connections.pop(key, None)


def match_family(text: str) -> tuple[Family, re.Match[str]] | None:
    for family in FAMILIES:
        found = family.pattern.match(text)
        if found is not None:
            return family, found
    return None


def _set_source(doc: dict[str, Any], ip: str | None, domain: str | None, port: int | None) -> None:
    source: dict[str, Any] = {}
    if ip:
        source["ip"] = ip
    if domain:
        source["domain"] = domain
    if port is not None and (ip or domain):
        source["port"] = port
    if source:
        doc["source"] = source


def enrich_sshd(
    message: str,
    doc: dict[str, Any],
    *,
    host: str = "",
    pid: int | None = None,
    sessions: SshdSessions | None = None,
    raw: str = "",
) -> bool:
    """Fill the ECS fields of one sshd/PAM message; False when it is no family we know."""
    text, notes = normalise(message)
    repeated = _REPEATED.match(text)
    times = 1
    if repeated:
        times = int(repeated.group(1))
        text, more = normalise(repeated.group(2))
        notes.update(more)
    found = match_family(text)
    if found is None:
        return False
    family, m = found
    groups = m.groupdict()
    key = (host, pid) if pid is not None and sessions is not None else None
    conn = sessions.get(key) if sessions is not None and key is not None else None
    echo = False
    if conn is not None and conn.ended:
        if family.kind == CLOSED and not m.groupdict().get("who"):
            echo = True  # "Disconnecting …: Too many …" then "Connection closed by … [preauth]": one end
        elif (
            (
                family.name == "connection_from"
                or (groups.get("addr") and address(groups["addr"])[0] != conn.ip)
            )
            and sessions is not None
            and key is not None
        ):
            sessions.end(key)  # the pid serves a new connection
            conn = sessions.get(key)

    ip, domain = address(groups.get("addr") or groups.get("rhost"))
    port = int(groups["port"]) if groups.get("port") else None
    user = groups.get("user")
    if family.name == "reverse_mapping":
        domain = groups.get("domain")
    kind, action = family.kind, family.action
    preauth = bool(notes.get("preauth"))
    correlated = False

    named = False  # the IP comes from an earlier connection that showed this host name, then its IP
    if conn is not None:
        if domain and not ip and conn.ip:  # PAM's rhost is the resolved name: the connection knows the IP
            ip, correlated = conn.ip, True
        elif domain and not ip and sessions is not None:
            ip = sessions.ip_of(host, domain)
            named = ip is not None
        elif ip and not domain and conn.domain and not conn.ip and sessions is not None:
            sessions.learn(host, conn.domain, ip)  # the name this connection showed first is this IP's
            domain = conn.domain
        if ip or domain:
            conn.ip, conn.domain = ip, domain
            if port is not None:
                conn.port = port
        elif conn.ip or conn.domain:
            ip, domain, port, correlated = conn.ip, conn.domain, conn.port, True
        if user:
            conn.user = user
        elif conn.user and kind in (AUTH_FAILURE, CLOSED):
            user = conn.user

    if kind == CLOSED and echo:
        pass
    elif kind == CLOSED:
        who = groups.get("who")
        if who in ("authenticating user", "invalid user") or (conn is not None and conn.failed):
            kind, action = AUTH_FAILURE, "ssh_preauth_disconnect" if preauth or who else "ssh_disconnect"
        elif conn is not None and conn.protocol_action:
            kind, action = PROTOCOL_FAILURE, conn.protocol_action
        elif preauth:
            kind = PROTOCOL_FAILURE
            action = "ssh_preauth_disconnect"
    if family.name == "failed" and groups.get("method") == "publickey" and not groups.get("invalid"):
        # A client offers the keys of its agent one by one: a refused key is no failed guess until the
        # connection ends without success (then its closing line is the failure, as fail2ban reads it).
        kind, action = INFO, "ssh_key_refused"
        if conn is not None:
            conn.failed = True
    elif (
        family.name.startswith("received_disconnect")
        and _AUTH_GIVE_UP.search(groups.get("reason") or "") is not None
    ):
        kind, action = AUTH_FAILURE, "ssh_preauth_disconnect"
    # "Failed none" opens a connection's attempts: the next "Failed password" is the same attempt
    when = PRE if family.name == "failed" and groups.get("method") == "none" else family.when

    event = doc["event"]
    ssh: dict[str, Any] = {"family": family.name}
    if groups.get("method"):
        ssh["method"] = groups["method"]
    if groups.get("invalid") or groups.get("who") == "invalid user":
        ssh["invalid_user"] = True
    if groups.get("extra"):
        ssh["signature"] = groups["extra"].strip()
    if groups.get("reason"):
        ssh["reason"] = groups["reason"]
    if groups.get("code"):
        ssh["disconnect_code"] = int(groups["code"])
    if preauth:
        ssh["preauth"] = True
    if correlated:
        ssh["address_from"] = "pid"
    elif named:
        ssh["address_from"] = "name"
    auth: dict[str, Any] = {"ssh": ssh}
    if repeated:
        auth["repeated"] = times
    if groups.get("count"):
        auth["repeated"] = int(groups["count"])

    if kind == AUTH_SUCCESS:
        event["category"] = ["authentication", "session"]
        event["type"] = ["start"]
        event["outcome"] = "success"
    elif kind == AUTH_FAILURE:
        event["category"] = ["authentication"]
        event["type"] = ["info"]
        event["outcome"] = "failure"
    elif kind == PROTOCOL_FAILURE:
        event["category"] = ["network"]
        event["type"] = ["connection", "denied"]
        event["outcome"] = "failure"
    elif kind == CLOSED:
        event["category"] = ["network"]
        event["type"] = ["connection", "end"]
    elif family.name in ("failed", "partial"):  # a refused key, a partial/postponed method: no verdict yet
        event["category"] = ["authentication"]
        event["type"] = ["info"]
        event["outcome"] = "unknown"
    else:
        event["category"] = ["network"]
        event["type"] = ["connection" if family.name == "connection_from" else "info"]
    event["action"] = action
    if user is not None and user != "":
        doc["user"] = {"name": user}
    _set_source(doc, ip, domain, port)
    if ip or domain:  # who the daemon says is on the other end: its IP, else the host name it logged
        doc.setdefault("vigil", {})["attacker"] = ip or domain
    doc.setdefault("system", {})["auth"] = auth

    if kind in (AUTH_FAILURE, PROTOCOL_FAILURE):
        doc.setdefault("vigil", {})["attempt"] = _attempts(conn, key, kind, when, times, raw or message)
    if conn is not None:
        if kind == AUTH_FAILURE:
            conn.failed = True
        if kind == PROTOCOL_FAILURE and not (ip or domain):
            conn.protocol_action = action
        if kind == AUTH_SUCCESS:
            conn.failed = False
        if (family.name.startswith("too_many") or family.name == "disconnecting") and (ip or domain):
            conn.ended = True  # sshd said why it ends the connection: its closing line says it again
    return True


def _attempts(
    conn: _Connection | None, key: tuple[str, int] | None, kind: str, when: str, times: int, raw: str
) -> str | list[str]:
    """The attempt key(s) this failure counts as: `host/pid/n` within a connection, else the line."""
    if conn is None or key is None:  # no pid to correlate by: the line itself is the attempt
        digest = hashlib.blake2b(raw.encode("utf-8", "replace"), digest_size=8).hexdigest()
        return f"line/{digest}" if times == 1 else [f"line/{digest}/{i}" for i in range(times)]
    base = f"{key[0]}/{key[1]}/"
    if kind == PROTOCOL_FAILURE:
        return base + "connection"
    if when == OWN:
        first = conn.attempts + 1
        conn.attempts += times
        keys = [f"{base}{n}" for n in range(first, conn.attempts + 1)]
        return keys[0] if times == 1 else keys
    if when == POST:
        return f"{base}{max(conn.attempts, 1)}"
    return f"{base}{conn.attempts + 1}"


def describe() -> list[tuple[str, str, str]]:
    """(family, kind, action) of every family, for docs and tests."""
    return [(f.name, f.kind, f.action) for f in FAMILIES]


Handler = Callable[[re.Match[str], dict[str, Any]], None]
