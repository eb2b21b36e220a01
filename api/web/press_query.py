"""The search/dashboard form (query text + filters) read from a page's URL, turned into one
`SearchQuery` with the store's grammar. Problems come back as Vietnamese messages, not exceptions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from api.errors import BadParameter
from api.querying import terms, time_range
from crawlers.registry import OUTLETS
from store import querytext
from store.query import Filter, SearchQuery, Term

SORTS = {"relevance": "Liên quan nhất", "date": "Mới nhất", "spread": "Lan rộng nhất (nhiều báo đưa)"}
PAGE_SIZE = 20


@lru_cache(maxsize=1)
def outlet_registry() -> dict[str, tuple[str, str]]:
    """Outlet name → (display title, scope local/national), from the crawlers' registry."""
    return {outlet.name: (outlet.title, outlet.scope) for outlet in OUTLETS}


def outlet_title(name: str) -> str:
    return outlet_registry().get(name, (name, ""))[0]


def outlet_scope(name: str) -> str:
    return outlet_registry().get(name, (name, "national"))[1] or "national"


_VN_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def iso_day(value: str) -> str | None:
    """A day typed as dd/mm/yyyy (or yyyy-mm-dd) as yyyy-mm-dd; None when it is not a real date."""
    value = value.strip()
    match = _VN_DAY.match(value)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1))).isoformat()
        return date.fromisoformat(value).isoformat() if len(value) == 10 else None
    except ValueError:
        return None


def day_filter(field: str, since: str, until: str) -> tuple[list[Filter], list[str]]:
    """The Range filter of a dd/mm/yyyy day range, or the Vietnamese message saying what is wrong."""
    start, end = iso_day(since) if since else None, iso_day(until) if until else None
    wrong = [
        label
        for label, typed, day in (("Từ ngày", since, start), ("Đến ngày", until, end))
        if typed and not day
    ]
    if wrong:
        return [], [f"{' và '.join(wrong)}: hãy gõ ngày dạng dd/mm/yyyy, ví dụ 20/11/2026."]
    try:
        return time_range(field, start, end), []
    except BadParameter:
        return [], ["Khoảng ngày không hợp lệ: ngày bắt đầu phải trước ngày kết thúc."]


@dataclass
class ArticleForm:
    q: str = ""
    since: str = ""
    until: str = ""
    scope: str = ""
    outlet: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)
    tone: list[str] = field(default_factory=list)
    entity: list[str] = field(default_factory=list)
    watchlist: list[str] = field(default_factory=list)
    sort: str = "relevance"
    page: int = 1
    errors: list[str] = field(default_factory=list)
    tree: querytext.Node | None = None
    query: SearchQuery | None = None  # None when the form has an error

    def params(self, **changes: object) -> str:
        """This form's URL query string, with some values changed (for facet links and pages)."""
        values: dict[str, object] = {
            "q": self.q,
            "since": self.since,
            "until": self.until,
            "scope": self.scope,
            "outlet": self.outlet,
            "topic": self.topic,
            "tone": self.tone,
            "entity": self.entity,
            "watchlist": self.watchlist,
            "sort": self.sort,
        }
        values.update(changes)
        pairs = [
            (key, item)
            for key, value in values.items()
            for item in (value if isinstance(value, list) else [value])
            if item not in ("", None) and not (key == "sort" and item == "relevance")
        ]
        return urlencode(pairs)

    def toggled(self, name: str, value: str) -> str:
        current: list[str] = list(getattr(self, name))
        changed = [v for v in current if v != value] if value in current else [*current, value]
        return self.params(**{name: changed})


def read_form(params: QueryParams) -> ArticleForm:
    def many(name: str) -> list[str]:
        return [v.strip() for v in params.getlist(name) if v.strip()][:20]

    form = ArticleForm(
        q=params.get("q", "")[:500],
        since=params.get("since", "").strip(),
        until=params.get("until", "").strip(),
        scope=params.get("scope", "") if params.get("scope") in ("local", "national") else "",
        outlet=many("outlet"),
        topic=many("topic"),
        tone=many("tone"),
        entity=many("entity"),
        watchlist=many("watchlist"),
        sort=params.get("sort", "relevance") if params.get("sort") in SORTS else "relevance",
    )
    try:
        form.page = max(1, min(int(params.get("page", "1")), 500))
    except ValueError:
        form.page = 1
    try:
        form.tree = querytext.parse(form.q)
    except querytext.QuerySyntaxError as exc:
        form.errors.append(f"Không đọc được truy vấn: {exc.message_vi}")
    filters, problems = day_filter("published_at", form.since, form.until)
    form.errors.extend(problems)
    filters.extend(
        [
            *terms("outlet", form.outlet),
            *terms("topic", form.topic),
            *terms("tone", form.tone),
            *terms("entities.text", form.entity),
            *terms("watchlists", form.watchlist),
        ]
    )
    if form.scope:
        names = tuple(name for name, (_, scope) in outlet_registry().items() if scope == form.scope)
        filters.append(Term("outlet", names or ("-",)))
    if not form.errors:
        form.query = SearchQuery(text=form.q if form.tree is not None else None, filters=tuple(filters))
    return form
