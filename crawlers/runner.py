"""Run a crawl in a child process and return its summary.

Twisted's reactor cannot be restarted in a process, so a long-running `vigil run` that crawls every
30 minutes runs each crawl in a fresh child (multiprocessing, spawn). The child reports progress and
finally the crawl stats over a queue; the parent turns them into a `CrawlSummary`.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import shutil
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess

from core.config import Settings
from core.console import progress as progress_bar
from crawlers.context import CrawlContext
from crawlers.errors import CrawlFailed
from crawlers.health import record_health
from crawlers.outlet import Outlet
from crawlers.registry import registry_for
from crawlers.settings import scrapy_settings
from crawlers.spiders.press import PressSpider
from crawlers.state import CrawlState
from store.factory import open_store

CHILD_GRACE_SECONDS = 30.0


@dataclass
class CrawlSummary:
    """What one crawl did."""

    pages: int = 0
    articles: int = 0
    duplicates: int = 0
    clusters: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    dropped_by_reason: dict[str, int] = field(default_factory=dict)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    per_outlet: dict[str, dict[str, int]] = field(default_factory=dict)
    finish_reason: str = ""
    elapsed_seconds: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> int:
        return sum(self.errors_by_reason.values())


def summarise(stats: dict[str, Any]) -> CrawlSummary:
    """Fold Scrapy stats into a summary."""
    summary = CrawlSummary(
        pages=int(stats.get("pages/fetched", 0)),
        articles=int(stats.get("item_scraped_count", 0)),
        duplicates=int(stats.get("duplicates", 0)),
        clusters=int(stats.get("clusters", 0)),
        finish_reason=str(stats.get("finish_reason", "")),
        elapsed_seconds=float(stats.get("elapsed_time_seconds", 0.0)),
        stats={key: value for key, value in stats.items() if isinstance(value, int | float | str)},
    )
    for key, value in stats.items():
        if key.startswith("errors/"):
            summary.errors_by_reason[key.removeprefix("errors/")] = int(value)
        elif key.startswith("skipped/"):
            summary.skipped_by_reason[key.removeprefix("skipped/")] = int(value)
        elif key.startswith("pipeline/validate/dropped/"):
            summary.dropped_by_reason[key.rsplit("/", 1)[1]] = int(value)
        elif key.startswith("outlet/"):
            _, outlet, rest = key.split("/", 2)
            summary.per_outlet.setdefault(outlet, {})[rest] = int(value)
    return summary


def run_crawl(
    settings: Settings,
    outlets: list[str] | None = None,
    limit: int | None = None,
    base_url: str | None = None,
    progress: bool = False,
) -> CrawlSummary:
    """Crawl the named outlets (default: `crawl.outlets`, or the whole registry) into the store."""
    chosen = registry_for(settings).select(outlets or settings.crawl.outlets or None)
    return crawl_outlets(settings, chosen, limit=limit, base_url=base_url, progress=progress)


def crawl_outlets(
    settings: Settings,
    outlets: list[Outlet],
    *,
    limit: int | None = None,
    base_url: str | None = None,
    progress: bool = False,
    scrapy_overrides: dict[str, Any] | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl explicit Outlet entries (the registry's, or a test's) in a child process."""
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue()
    job = CrawlJob(outlets, limit, base_url, dict(scrapy_overrides or {}))
    child = context.Process(target=_child_main, args=(settings, job, channel), name="vigil-crawl")
    child.start()
    result: CrawlSummary | None = None
    bar = _Progress(len(outlets)) if progress else None
    try:
        while result is None:
            try:
                kind, payload = channel.get(timeout=0.5)
            except queue_module.Empty:
                if not child.is_alive():
                    break
                continue
            if kind == "progress" and bar is not None:
                bar.update(payload)
            elif kind == "summary":
                result = summarise(payload["stats"])
            elif kind == "error":
                raise CrawlFailed(f"the crawl failed: {payload}")
    finally:
        if bar is not None:
            bar.stop()
        child.join(timeout or CHILD_GRACE_SECONDS)
        if child.is_alive():
            child.terminate()
            child.join()
    if result is None:
        raise CrawlFailed(
            f"the crawl process exited with code {child.exitcode} before reporting; "
            'run with log_level = "DEBUG" to see why'
        )
    return result


class _Progress:
    """Pages and articles so far, on stderr."""

    def __init__(self, outlets: int) -> None:
        self.bar = progress_bar()
        self.bar.start()
        self.task = self.bar.add_task(f"crawling {outlets} outlet(s)", total=None)

    def update(self, payload: dict[str, int]) -> None:
        self.bar.update(
            self.task,
            completed=payload.get("pages", 0),
            description=f"pages {payload.get('pages', 0)} · articles {payload.get('articles', 0)}",
        )

    def stop(self) -> None:
        self.bar.stop()


@dataclass(frozen=True)
class CrawlJob:
    """What one crawl child is asked to do."""

    outlets: list[Outlet]
    limit: int | None
    base_url: str | None
    overrides: dict[str, Any]  # Scrapy settings (tests shorten retries, the bench widens slots)


def _child_main(settings: Settings, job: CrawlJob, channel: Any) -> None:
    """Child process: run Scrapy once, then send the stats."""
    try:
        stats = _crawl_in_this_process(settings, job, channel)
    except Exception as exc:  # any crash: tell the parent why, then die with the traceback
        channel.put(("error", f"{type(exc).__name__}: {exc}"))
        raise
    channel.put(("summary", {"stats": stats}))


def _crawl_in_this_process(settings: Settings, job: CrawlJob, channel: Any) -> dict[str, Any]:
    """The crawl with this process's one crawl state and one store, then the outlets' health."""
    overrides = dict(job.overrides)
    indexing = bool(overrides.pop("VIGIL_INDEX", True))
    with (
        CrawlState(settings.state_path("crawl", "state.sqlite3")) as state,
        open_store(settings) if indexing else nullcontext(None) as store,
    ):
        context = CrawlContext(settings, state, store)
        values = scrapy_settings(context, **overrides)
        stats = _run_scrapy(values, job, channel)
        if store is not None:
            record_health(store, state, job.outlets, stats)
    if stats.get("finish_reason") == "finished" and values.get("JOBDIR"):
        # JOBDIR is for resuming an interrupted crawl; after a complete one it would only suppress
        # the next run's requests, so it is cleared.
        shutil.rmtree(values["JOBDIR"], ignore_errors=True)
    for key, value in list(stats.items()):
        if not isinstance(value, int | float | str):
            stats[key] = str(value)
    return stats


def _run_scrapy(values: dict[str, Any], job: CrawlJob, channel: Any) -> dict[str, Any]:
    """One Scrapy crawl with these settings (holding the crawl context); returns its stats."""
    process = CrawlerProcess(values)
    crawler = process.create_crawler(PressSpider)
    counts = {"pages": 0, "articles": 0}

    def on_response(**_: Any) -> None:
        counts["pages"] += 1
        if counts["pages"] % 10 == 0:
            channel.put(("progress", dict(counts)))

    def on_item(**_: Any) -> None:
        counts["articles"] += 1

    crawler.signals.connect(on_response, signal=signals.response_received)
    crawler.signals.connect(on_item, signal=signals.item_scraped)
    process.crawl(crawler, outlets=job.outlets, base_url=job.base_url, limit=job.limit)
    process.start()
    assert crawler.stats is not None
    channel.put(("progress", dict(counts)))
    return dict(crawler.stats.get_stats())
