"""`vigil demo`: the whole of Vigil on one machine, no internet, no Elasticsearch.

Serves the bundled snapshot outlets on 127.0.0.1, crawls them, follows copies of the real sample
logs shipped in secmon/samples/, raises incidents, starts the API with a fresh admin key and prints
what to try. Everything lives in `<data dir>/demo`, so the demo never touches a real deployment.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Literal

import httpx

import secmon
from api.auth import Role, create_key
from core.config import AssetSettings, LogSource, SecmonSettings, Settings, StoreSettings
from core.console import console
from core.errors import VigilError
from crawlers.runner import run_crawl
from crawlers.snapshots import SnapshotSite
from secmon.pipeline import Ingester
from store.factory import open_store
from store.protocol import Store
from vigil.main_job import Service

SAMPLE_SUFFIXES = {".log", ".json", ".jsonl"}
# The sample file names say what produced them; "auto" sniffs the rest.
LogFormat = Literal["auto", "eve", "fastlog", "syslog", "nginx", "apache"]
FORMAT_HINTS: tuple[tuple[str, LogFormat], ...] = (
    ("eve", "eve"),
    ("fast", "fastlog"),
    ("openssh", "syslog"),
    ("linux", "syslog"),
    ("apache", "apache"),
)


def sample_logs() -> list[Path]:
    folder = Path(secmon.__file__).resolve().parent / "samples"
    files = (
        sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SAMPLE_SUFFIXES)
        if folder.is_dir()
        else []
    )
    if not files:
        raise VigilError(f"vigil demo needs the sample logs in {folder}, which are missing; reinstall Vigil")
    return files


def free_port(preferred: int) -> int:
    """`preferred` when it is free on 127.0.0.1, else any free port."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = probe.getsockname()[1]
            return chosen
    raise VigilError("no free TCP port on 127.0.0.1")


# The machines of the sample logs, presented as the province's assets (real deployments list theirs in
# vigil.toml), so incidents show an asset and agency and the critical-asset rules have something to see.
DEMO_ASSETS = [
    AssetSettings(
        name="cong-dich-vu-cong",
        agency="Sở Thông tin và Truyền thông (demo)",
        criticality="critical",
        cidrs=["10.16.1.0/24"],
        hostnames=["LabSZ"],
    ),
    AssetSettings(
        name="may-chu-noi-bo",
        agency="Văn phòng UBND tỉnh (demo)",
        criticality="high",
        hostnames=["combo"],
    ),
]


def format_of(path: Path) -> LogFormat:
    name = path.name.lower()
    return next((fmt for hint, fmt in FORMAT_HINTS if hint in name), "auto")


def demo_settings(base: Settings, logs: list[Path], port: int) -> Settings:
    """The user's settings, redirected to `<data dir>/demo`, the embedded store and the samples.

    Built with model_copy (not Settings(...)) so VIGIL_* variables cannot send the demo to a real
    data directory or Elasticsearch.
    """
    return base.model_copy(
        update={
            "data_dir": base.data_dir / "demo",
            "store": StoreSettings(backend="sqlite"),
            "crawl": base.crawl.model_copy(
                # Every snapshot outlet is served by one local server: politeness delays only slow it.
                update={
                    "outlets": [],
                    "allow_private_hosts": ["127.0.0.1", "localhost"],
                    "autothrottle": False,
                    "concurrency_per_domain": 8,
                }
            ),
            "secmon": SecmonSettings(
                logs=[LogSource(path=str(path), format=format_of(path)) for path in logs],
                assets=DEMO_ASSETS,
            ),
            "api": base.api.model_copy(update={"host": "127.0.0.1", "port": port}),
        }
    )


def copy_samples(samples: list[Path], target: Path) -> list[Path]:
    """Copies the follower reads (the originals stay pristine); kept across runs so offsets stay valid."""
    target.mkdir(parents=True, exist_ok=True)
    copies = []
    for sample in samples:
        copy = target / f"{sample.parent.name}-{sample.name}"
        if not copy.exists():
            shutil.copyfile(sample, copy)
        copies.append(copy)
    return copies


def ingest_everything(settings: Settings, store: Store) -> tuple[int, int]:
    """Follow the sample logs until nothing new: returns (lines, incidents opened)."""
    ingester = Ingester(settings, store)
    lines = opened = 0
    try:
        while True:
            summary = ingester.run_once()
            lines += summary.lines_read
            opened += summary.incidents_opened
            if not summary.lines_read:
                return lines, opened
    finally:
        ingester.close()


def print_guide(base_url: str, key: str, stats: dict[str, int], seconds: float) -> None:
    h = '-H "X-API-Key: $VIGIL_KEY"'
    console.print(
        f"\n[bold green]Vigil demo ready[/bold green] in {seconds:.0f} s: "
        f"{stats.get('articles', 0)} articles, "
        f"{stats.get('events', 0)} security events, {stats.get('incidents', 0)} incidents.\n"
        f"Open the API docs: {base_url}/docs (Authorize with the key below)\n"
        f"Demo key (admin, shown once):\n\n  export VIGIL_KEY={key}\n\nThen try:\n"
        f'  curl -s {h} "{base_url}/articles?q=hue&size=5"\n'
        f'  curl -s {h} "{base_url}/articles?q=%22thua+thien+hue%22&sort=date"   # a phrase, no accents\n'
        f'  curl -s {h} "{base_url}/articles?entity=Hu%E1%BA%BF&topic=cong-nghe"   # entity Huế + topic\n'
        f'  curl -s {h} "{base_url}/articles/stats"\n'
        f'  curl -s {h} "{base_url}/outlets"\n'
        f'  curl -s {h} "{base_url}/incidents?severity=high&severity=critical"\n'
        f'  curl -s {h} "{base_url}/events?event.kind=alert&size=5"\n'
        f'  curl -N {h} "{base_url}/alerts/stream"   # live incidents (Server-Sent Events)\n'
        f'  curl -s {h} "{base_url}/metrics"\n'
        f'  curl -s -o articles.csv {h} "{base_url}/articles/export.csv?q=hue"\n',
        highlight=False,
        soft_wrap=True,
    )


def self_check(base_url: str, key: str) -> dict[str, int]:
    """What `--once` verifies through the API itself: it answers, and holds articles and incidents."""
    with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=30) as client:
        ready = client.get("/ready")
        articles = client.get("/articles", params={"size": 1})
        incidents = client.get("/incidents", params={"size": 1})
    for response in (ready, articles, incidents):
        if response.status_code != 200:
            raise VigilError(
                f"the demo API answered {response.status_code} on {response.url}: {response.text[:200]}"
            )
    return {"articles": articles.json()["total"], "incidents": incidents.json()["total"]}


def run_demo(base: Settings, *, once: bool, port: int) -> None:
    started = time.monotonic()
    samples = sample_logs()
    port = free_port(port)
    probe = demo_settings(base, [], port)
    settings = demo_settings(base, copy_samples(samples, probe.data_dir / "sample-logs"), port)
    console.print(f"[bold]vigil demo[/bold]: state in {settings.data_dir} (embedded store)")
    with open_store(settings) as store, SnapshotSite() as site:
        console.print(f"crawling the bundled outlet snapshots served at {site.base_url} …")
        crawl = run_crawl(settings, base_url=site.base_url)
        console.print(f"  {crawl.pages} pages, {crawl.articles} new articles, {crawl.errors} errors")
        console.print(f"ingesting {len(samples)} real sample logs …")
        lines, opened = ingest_everything(settings, store)
        console.print(f"  {lines} lines, {opened} incidents opened")
        stats = store.stats()
        if not stats.get("articles"):
            raise VigilError("the demo crawl stored no articles; run with VIGIL_LOG_LEVEL=DEBUG to see why")
        if not stats.get("incidents"):
            raise VigilError("the sample logs raised no incidents; the detection rules may be missing")
        _, key = create_key(store, name="demo", role=Role.admin)
        service = Service(settings, store, base_url=site.base_url, first_crawl_done=True)
        server = service.make_server("127.0.0.1", port)
        base_url = f"http://127.0.0.1:{port}"
        if not once:
            print_guide(base_url, key, stats, time.monotonic() - started)
            console.print("serving; Ctrl-C to stop (re-crawls and keeps following the logs meanwhile)")
            service.start_background()
            try:
                server.run()
            finally:
                service.shutdown()
            return
        thread = threading.Thread(target=server.run, name="vigil-demo-api", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise VigilError(f"the demo API did not start on {base_url}")
                time.sleep(0.05)
            print_guide(base_url, key, stats, time.monotonic() - started)
            seen = self_check(base_url, key)
            console.print(
                f"[green]--once: the API serves {seen['articles']} articles and "
                f"{seen['incidents']} incidents; "
                f"first cycle took {time.monotonic() - started:.0f} s[/green]"
            )
        finally:
            service.request_stop()
            server.should_exit = True
            thread.join(timeout=15)
            service.shutdown()
