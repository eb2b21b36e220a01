"""`vigil demo`: the whole of Vigil on one machine, no internet (and no Elasticsearch unless asked).

Serves the bundled snapshot outlets on 127.0.0.1, crawls them, follows copies of the real sample
logs shipped in secmon/samples/, raises incidents, starts the API with a fresh admin key and prints
what to try. Its state lives where every other command looks — the data directory (`data_dir`,
`VIGIL_DATA_DIR`) and the embedded store, or Elasticsearch with `--backend elasticsearch` — so
`vigil keys create` and `vigil incidents list` work with the running demo. A data directory that
holds a deployment's state (not made by the demo) is refused, so the demo never mixes into it.
The API listens on `--port`, else `api.port` / `VIGIL_API__PORT`; a taken port is an error.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
from rich.markup import escape

import secmon
from alerts.demo import MARK, run_scenario
from api.auth import Role, create_key
from api.web.users import demo_people
from core.config import AssetSettings, LogSource, SecmonSettings, Settings, StoreSettings
from core.console import console
from core.errors import ConfigError, VigilError
from crawlers.runner import run_crawl
from secmon.pipeline import Ingester
from store.factory import open_store
from store.protocol import Store
from vigil.main_job import Service
from vigil.snapshots import SnapshotSite

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


DEMO_MARKER = "VIGIL-DEMO"  # in a data directory the demo made: it may run there again


def reserve_port(port: int) -> socket.socket:
    """The API's listening socket on 127.0.0.1:`port` (0: any free port), made before the long first
    cycle so a taken port is said at once; never silently another port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise VigilError(
            f"port {port} on 127.0.0.1 is taken ({exc.strerror}): another program or a running demo "
            "uses it; choose another with `vigil demo --port N` or VIGIL_API__PORT=N (0: any free port)",
            key="api.port",
        ) from None
    sock.listen(2048)
    return sock


def claim_data_dir(data_dir: Path) -> None:
    """Mark `data_dir` as the demo's, refusing one that holds a deployment's state."""
    marker = data_dir / DEMO_MARKER
    if marker.exists():
        return
    held = sorted(p.name for p in data_dir.iterdir()) if data_dir.is_dir() else []
    if held:
        raise VigilError(
            f"{data_dir} holds state the demo did not make ({', '.join(held[:5])}); run the demo in a "
            f"directory of its own: VIGIL_DATA_DIR=./vigil-demo vigil demo",
            key="data_dir",
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by `vigil demo`: delete this directory to start the demo afresh\n")


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


def demo_settings(
    base: Settings, logs: list[Path], port: int, backend: str = "sqlite", es_url: str | None = None
) -> Settings:
    """The user's settings (data directory, Elasticsearch cluster) with the demo's outlets, sample logs,
    assets and port, on the embedded store or on Elasticsearch (`es_url`, else store.elasticsearch)."""
    store = StoreSettings(backend="sqlite")
    if backend == "elasticsearch":
        cluster = base.store.elasticsearch
        if es_url:
            cluster = cluster.model_copy(update={"hosts": [es_url]})
        store = base.store.model_copy(update={"backend": "elasticsearch", "elasticsearch": cluster})
    elif backend != "sqlite":
        raise ConfigError(f"--backend {backend!r}: use sqlite or elasticsearch", key="store.backend")
    return base.model_copy(
        update={
            "store": store,
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


def show_alerts(raised: list[dict[str, Any]]) -> None:
    """The press alerts of the demo's planted scenario (alerts/demo.py), one line each."""
    console.print(f"press alerts over the crawl and a planted scenario ({escape(MARK)}): {len(raised)}")
    for alert in sorted(raised, key=lambda a: a["kind"]):
        console.print(f"  [bold]{alert['kind']}[/bold] {escape(alert['title'])}\n    {escape(alert['why'])}")


def print_guide(
    base_url: str,
    key: str,
    stats: dict[str, int],
    seconds: float,
    people: Sequence[tuple[str, str, str]] = (),
) -> None:
    h = '-H "X-API-Key: $VIGIL_KEY"'
    signs = "".join(f"\n  {role:<8} {user} / {password}" for user, role, password in people)
    console.print(
        f"\n[bold green]Vigil demo ready[/bold green] in {seconds:.0f} s: "
        f"{stats.get('articles', 0)} articles, "
        f"{stats.get('events', 0)} security events, {stats.get('incidents', 0)} incidents.\n"
        f"Open the web app: {base_url}/ and sign in (demo users, passwords shown once):{signs}\n"
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


def run_demo(
    base: Settings,
    *,
    once: bool,
    port: int | None = None,
    backend: str = "sqlite",
    es_url: str | None = None,
) -> None:
    started = time.monotonic()
    samples = sample_logs()
    sock = reserve_port(base.api.port if port is None else port)
    try:
        _run(base, samples, sock, once=once, backend=backend, es_url=es_url, started=started)
    finally:
        sock.close()


def _run(
    base: Settings,
    samples: list[Path],
    sock: socket.socket,
    *,
    once: bool,
    backend: str,
    es_url: str | None,
    started: float,
) -> None:
    port: int = sock.getsockname()[1]
    probe = demo_settings(base, [], port, backend, es_url)
    claim_data_dir(probe.data_dir)
    settings = demo_settings(
        base, copy_samples(samples, probe.data_dir / "sample-logs"), port, backend, es_url
    )
    where = (
        "embedded store"
        if settings.store.backend == "sqlite"
        else f"Elasticsearch at {', '.join(settings.store.elasticsearch.hosts)}, "
        f"indices {settings.store.elasticsearch.index_prefix}-*"
    )
    console.print(f"[bold]vigil demo[/bold]: state in {settings.data_dir} ({where})")
    with open_store(settings) as store, SnapshotSite() as site:
        console.print(f"crawling the bundled outlet snapshots served at {site.base_url} …")
        crawl = run_crawl(settings, base_url=site.base_url)
        console.print(f"  {crawl.pages} pages, {crawl.articles} new articles, {crawl.errors} errors")
        console.print(f"ingesting {len(samples)} real sample logs …")
        lines, opened = ingest_everything(settings, store)
        console.print(f"  {lines} lines, {opened} incidents opened")
        show_alerts(run_scenario(store))
        store.refresh()
        stats = store.stats()
        if not stats.get("articles"):
            raise VigilError("the demo crawl stored no articles; run with VIGIL_LOG_LEVEL=DEBUG to see why")
        if not stats.get("incidents"):
            raise VigilError("the sample logs raised no incidents; the detection rules may be missing")
        _, key = create_key(store, name="demo", role=Role.admin)
        people = demo_people(store)
        service = Service(settings, store, base_url=site.base_url, first_crawl_done=True)
        server = service.make_server("127.0.0.1", port)
        base_url = f"http://127.0.0.1:{port}"
        if not once:
            print_guide(base_url, key, stats, time.monotonic() - started, people)
            console.print("serving; Ctrl-C to stop (re-crawls and keeps following the logs meanwhile)")
            service.start_background()
            try:
                server.run(sockets=[sock])
            finally:
                service.shutdown()
            return
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="vigil-demo-api", daemon=True
        )
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise VigilError(f"the demo API did not start on {base_url}")
                time.sleep(0.05)
            print_guide(base_url, key, stats, time.monotonic() - started, people)
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
