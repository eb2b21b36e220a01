"""Compile rule selections into plain Python predicates over ECS documents.

Compilation happens once per rule load, so matching an event is a few dict look-ups and
precompiled string/regex operations: detection must stay cheap next to parsing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from secmon.detect.intel import ThreatIntel
from secmon.errors import RuleError
from secmon.fieldpath import Doc, Getter, getter

Predicate = Callable[[Doc], bool]
CIDR_CACHE = 65_536  # addresses whose |cidr answer is kept, per test (then the cache starts again)
ValueTest = Callable[[Any], bool]


def _values(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, list) else [raw]


def _scalars(value: Any) -> Iterable[Any]:
    if isinstance(value, list):
        return value
    return (value,)


def _decode(text: str) -> str:
    # Twice: attackers double-encode (%2527) to slip past single-decoding filters.
    once = unquote_plus(text)
    return unquote_plus(once) if "%" in once else once


def _in_networks(text: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return any(address in net for net in networks)


def _compile_test(field: str, mods: list[str], raw: Any, intel: ThreatIntel) -> ValueTest:
    """One test over a single field value (the caller applies it to each element of a list field)."""
    wanted = _values(raw)
    use_all = "all" in mods
    kinds = [m for m in mods if m not in ("all", "urldecode")]
    if len(kinds) > 1:
        raise RuleError(f"field {field!r}: combine at most one of {kinds} with all/urldecode")
    kind = kinds[0] if kinds else "equals"
    decode = "urldecode" in mods

    def text(value: Any) -> str:
        out = value if isinstance(value, str) else str(value)
        return _decode(out) if decode else out

    combine = all if use_all else any
    if kind == "equals":
        expected = frozenset(str(w).lower() for w in wanted)
        if decode:
            return lambda v: text(v).lower() in expected
        return lambda v: (v.lower() if isinstance(v, str) else str(v).lower()) in expected
    if kind in ("contains", "startswith", "endswith"):
        needles = tuple(str(w).lower() for w in wanted)
        if kind == "startswith" and not use_all:
            return lambda v: text(v).lower().startswith(needles)
        if kind == "endswith" and not use_all:
            return lambda v: text(v).lower().endswith(needles)
        if kind == "contains":
            return lambda v: combine(n in text(v).lower() for n in needles)
        method = str.startswith if kind == "startswith" else str.endswith
        return lambda v: combine(method(text(v).lower(), n) for n in needles)
    if kind == "re":
        try:
            patterns = [re.compile(str(w)) for w in wanted]
        except re.error as exc:
            raise RuleError(f"field {field!r}: invalid regular expression: {exc}") from None
        if len(patterns) == 1 and not use_all:
            search = patterns[0].search
            return lambda v: search(text(v)) is not None
        return lambda v: combine(p.search(text(v)) is not None for p in patterns)
    if kind == "cidr":
        try:
            networks = [ipaddress.ip_network(str(w), strict=False) for w in wanted]
        except ValueError as exc:
            raise RuleError(f"field {field!r}: invalid CIDR: {exc}") from None

        inside: dict[str, bool] = {}  # address → in some network: addresses repeat a lot, parsing is slow

        def in_networks(value: Any) -> bool:
            text = value if type(value) is str else str(value)
            found = inside.get(text)
            if found is None:
                if len(inside) >= CIDR_CACHE:
                    inside.clear()
                found = inside[text] = _in_networks(text, networks)
            return found

        return in_networks
    if kind in ("gt", "gte", "lt", "lte"):
        if len(wanted) != 1:
            raise RuleError(f"field {field!r}: |{kind} takes one number")
        bound = float(wanted[0])
        compare: Callable[[float], bool] = {
            "gt": lambda x: x > bound,
            "gte": lambda x: x >= bound,
            "lt": lambda x: x < bound,
            "lte": lambda x: x <= bound,
        }[kind]

        def numeric(value: Any) -> bool:
            if type(value) is int or type(value) is float:
                return compare(value)
            try:
                return compare(float(value))
            except (TypeError, ValueError):
                return False

        return numeric
    if kind == "intel":
        which = str(wanted[0]).lower()
        if which == "ip":
            return intel.has_ip
        if which == "domain":
            return lambda v: intel.has_domain(text(v))
        raise RuleError(f"field {field!r}: |intel takes 'ip' or 'domain', not {which!r}")
    raise RuleError(f"field {field!r}: modifier {kind!r} is not supported here")


def compile_field(key: str, raw: Any, intel: ThreatIntel) -> Predicate:
    field, *mods = key.split("|")
    get = getter(field)
    if "exists" in mods:
        want = bool(raw)
        return lambda doc: (get(doc) is not None) is want
    if mods == []:
        return _equals_predicate(get, frozenset(str(w).lower() for w in _values(raw)))
    test = _compile_test(field, mods, raw, intel)

    def predicate(doc: Doc) -> bool:
        value = get(doc)
        if value is None:
            return False
        if type(value) is list:
            return any(test(item) for item in value if item is not None)
        return test(value)

    return predicate


def _value_test(mapping: dict[str, Any], intel: ThreatIntel) -> tuple[Getter, ValueTest] | None:
    """(getter, value test) of a one-field map with a value modifier; None for other shapes."""
    if len(mapping) != 1:
        return None
    key, raw = next(iter(mapping.items()))
    field, *mods = key.split("|")
    if not mods or "exists" in mods:
        return None
    return getter(field), _compile_test(field, mods, raw, intel)


def _equals_predicate(get: Getter, expected: frozenset[str]) -> Predicate:
    """The most common test, flattened into one closure (it runs for nearly every event)."""

    def equals(doc: Doc) -> bool:
        value = get(doc)
        if value is None:
            return False
        if type(value) is str:
            return value in expected or value.lower() in expected
        if type(value) is list:
            return any(str(item).lower() in expected for item in value if item is not None)
        return str(value).lower() in expected

    return equals


def compile_selection(selection: dict[str, Any] | list[dict[str, Any]], intel: ThreatIntel) -> Predicate:
    """A map is an AND over its fields; a list of maps is an OR over the maps."""
    maps = selection if isinstance(selection, list) else [selection]
    compiled: list[tuple[Predicate, ...]] = [
        tuple(compile_field(key, raw, intel) for key, raw in mapping.items()) for mapping in maps
    ]
    if len(compiled) == 1:
        preds = compiled[0]
        if len(preds) == 1:
            return preds[0]
        return _every([(predicate, False) for predicate in preds])
    tested = [_value_test(mapping, intel) for mapping in maps]
    if all(pair is not None for pair in tested):
        pairs = [pair for pair in tested if pair is not None]

        def any_field(doc: Doc) -> bool:
            """Any of several single-field maps (e.g. an IP or a domain on the intel list), inlined."""
            for get, test in pairs:
                value = get(doc)
                if value is None:
                    continue
                if type(value) is list:
                    if any(test(item) for item in value if item is not None):
                        return True
                elif test(value):
                    return True
            return False

        return any_field
    if all(len(preds) == 1 for preds in compiled):
        singles = [preds[0] for preds in compiled]

        def any_of(doc: Doc) -> bool:
            for predicate in singles:  # noqa: SIM110 - a loop avoids a generator per event (hot path)
                if predicate(doc):
                    return True
            return False

        return any_of
    return lambda doc: any(all(p(doc) for p in preds) for preds in compiled)


def _every(parts: list[tuple[Predicate, bool]]) -> Predicate:
    """AND of predicates, each as it is or negated (`not x`), tested in order in one call: a rule's
    selections and conditions run for most events, a chain of closures would cost a call per operand."""
    if len(parts) == 1:
        predicate, negated = parts[0]
        return (lambda doc: not predicate(doc)) if negated else predicate
    steps = tuple(parts)

    def every(doc: Doc) -> bool:
        for predicate, negated in steps:
            if predicate(doc):
                if negated:
                    return False
            elif not negated:
                return False
        return True

    return every


_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z_][A-Za-z0-9_]*\*?|\d+)")


def compile_condition(condition: str, selections: dict[str, Predicate]) -> Predicate:
    """Parse `a and not (b or c)`, `1 of web_*`, `all of them` into one predicate."""
    tokens: list[str] = []
    pos = 0
    while pos < len(condition):
        match = _TOKEN.match(condition, pos)
        if not match:
            if condition[pos:].strip() == "":
                break
            raise RuleError(f"condition {condition!r}: cannot read from {condition[pos:]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    index = 0

    def peek() -> str | None:
        return tokens[index] if index < len(tokens) else None

    def take() -> str:
        nonlocal index
        if index >= len(tokens):
            raise RuleError(f"condition {condition!r} ends too early")
        index += 1
        return tokens[index - 1]

    def pick(pattern: str) -> list[Predicate]:
        if pattern == "them":
            return list(selections.values())
        if pattern.endswith("*"):
            found = [p for name, p in selections.items() if name.startswith(pattern[:-1])]
        else:
            found = [selections[pattern]] if pattern in selections else []
        if not found:
            raise RuleError(f"condition {condition!r}: no selection matches {pattern!r}")
        return found

    def primary() -> Predicate:
        token = take()
        if token == "(":
            inner = expression()
            if take() != ")":
                raise RuleError(f"condition {condition!r}: missing ')'")
            return inner
        if token == "not":
            operand = primary()
            return lambda doc: not operand(doc)
        if token in ("1", "all") and peek() == "of":
            take()
            group = pick(take())
            if token == "1":
                return lambda doc: any(p(doc) for p in group)
            return lambda doc: all(p(doc) for p in group)
        if token not in selections:
            raise RuleError(f"condition {condition!r}: unknown selection {token!r}")
        return selections[token]

    def operand() -> tuple[Predicate, bool]:
        if peek() == "not":
            take()
            return primary(), True
        return primary(), False

    def conjunction() -> Predicate:
        parts = [operand()]
        while peek() == "and":
            take()
            parts.append(operand())
        return _every(parts)

    def expression() -> Predicate:
        left = conjunction()
        while peek() == "or":
            take()
            right = conjunction()
            left = (lambda a, b: lambda doc: a(doc) or b(doc))(left, right)
        return left

    result = expression()
    if index != len(tokens):
        raise RuleError(f"condition {condition!r}: unexpected {tokens[index]!r}")
    return result
