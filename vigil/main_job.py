"""`vigil run` (the main job) and `vigil demo`.

`vigil run` is one process with four activities: a crawl every `crawl.interval_minutes` (each in a
child process, see crawlers.runner), log following with detection and notifications
(secmon.pipeline.Ingester, polled every second), and the API (uvicorn) in the main thread. SIGTERM
or Ctrl-C stops the API, lets the in-flight log batch finish, commits its offsets and closes the
store (`with open_store`); a crawl in progress is given `CRAWL_GRACE_SECONDS` to finish (it writes its
own batches, and an interrupted crawl is simply resumed at the next run).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

import typer
import uvicorn

from core.config import Settings
from core.console import console, settings_from
from core.errors import VigilError
from secmon.pipeline import Ingester
from store.factory import open_store
from store.protocol import Store

log = logging.getLogger("vigil.run")

LOG_POLL_SECONDS = 1.0
CRAWL_GRACE_SECONDS = 30.0


class _Server(uvicorn.Server):
    """uvicorn, telling the rest of the service (and open alert streams) when a signal arrives."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: Any) -> None:
        # Unlike uvicorn's own handler, the signal is not re-raised after the server stops: the
        # service still has to flush the log batch and commit offsets, then exit 0.
        self._on_exit()
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        else:
            self.should_exit = True


class Service:
    """The scheduler: crawl loop, log loop and API over one store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        crawl: bool = True,
        logs: bool = True,
        base_url: str | None = None,
        first_crawl_done: bool = False,
    ) -> None:
        self.settings = settings
        self.store = store
        self.crawl_enabled = crawl
        self.logs_enabled = logs and bool(settings.secmon.logs)
        self.base_url = base_url
        self.first_crawl_done = first_crawl_done
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.app: Any = None

    # -- activities ----------------------------------------------------------------------------

    def _crawl_loop(self) -> None:
        from crawlers.runner import run_crawl  # lazy: Scrapy and Twisted (~0.45 s), for `vigil run` only

        interval = self.settings.crawl.interval_minutes * 60
        wait = interval if self.first_crawl_done else 0.0
        while not self.stop.wait(wait):
            started = time.monotonic()
            try:
                summary = run_crawl(self.settings, base_url=self.base_url)
                log.warning(
                    "crawl: %d pages, %d articles, %d errors", summary.pages, summary.articles, summary.errors
                )
            except Exception:  # a failed crawl must not stop the service: log it, retry next interval
                log.exception("crawl failed; retrying in %d min", self.settings.crawl.interval_minutes)
            wait = max(0.0, interval - (time.monotonic() - started))

    def _log_loop(self) -> None:
        ingester = Ingester(self.settings, self.store)
        try:
            while not self.stop.is_set():
                try:
                    summary = ingester.run_once()
                    if summary.lines_read:
                        log.info(
                            "logs: %d lines, %d events, %d incidents opened",
                            summary.lines_read,
                            summary.events_indexed,
                            summary.incidents_opened,
                        )
                except Exception:  # keep following: the batch was not committed, it is re-read next poll
                    log.exception("log ingest failed; retrying")
                self.stop.wait(LOG_POLL_SECONDS)
        finally:
            ingester.close()  # flushes, commits offsets of acknowledged batches

    # -- lifecycle -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self.stop.set()
        if self.app is not None:
            self.app.state.stopping = True

    def start_background(self) -> None:
        if self.crawl_enabled:
            self.threads.append(threading.Thread(target=self._crawl_loop, name="vigil-crawl", daemon=True))
        if self.logs_enabled:
            self.threads.append(threading.Thread(target=self._log_loop, name="vigil-logs", daemon=True))
        for thread in self.threads:
            thread.start()

    def make_server(self, host: str, port: int) -> _Server:
        # lazy: FastAPI and uvicorn cost ~0.5 s, every other command skips them
        from api.app import create_app

        self.app = create_app(self.settings, self.store)
        config = uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=5
        )
        return _Server(config, self.request_stop)

    def shutdown(self) -> None:
        self.request_stop()
        for thread in self.threads:
            grace = CRAWL_GRACE_SECONDS if thread.name == "vigil-crawl" else 60.0
            thread.join(timeout=grace)
            if thread.is_alive():
                log.warning("%s still busy after %.0f s; exiting anyway", thread.name, grace)

    def serve(self, host: str, port: int) -> None:
        """Run until SIGTERM/SIGINT, then shut down in order.

        With `api.workers` > 1, that many API processes share the port (SO_REUSEPORT; the kernel
        spreads connections): this process plus workers-1 API-only children, each with its own
        store connection. Crawling and log following stay in this process.
        """
        workers = self.settings.api.workers
        sock = listen_socket(host, port, shared=workers > 1)
        server = self.make_server(host, port)
        children = spawn_api_workers(self.settings, host, sock.getsockname()[1], workers - 1)
        self.start_background()
        try:
            server.run(sockets=[sock])
        finally:
            for child in children:
                child.terminate()
            for child in children:
                child.join(timeout=10)
            self.shutdown()
            sock.close()


def listen_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """The API's listening socket, made here so a busy port is a clear error (and can be shared)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise VigilError(
            f"the API cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from None
    sock.listen(2048)
    return sock


def spawn_api_workers(settings: Settings, host: str, port: int, count: int) -> list[BaseProcess]:
    context = multiprocessing.get_context("spawn")
    children: list[BaseProcess] = [
        context.Process(target=api_worker, args=(settings, host, port), name=f"vigil-api-{n}")
        for n in range(count)
    ]
    for child in children:
        child.start()
    return children


def api_worker(settings: Settings, host: str, port: int) -> None:
    """An extra API process (spawned): serves the same port until SIGTERM."""
    from api.app import create_app  # lazy: FastAPI and uvicorn (~0.5 s), see make_server

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sock = listen_socket(host, port, shared=True)
    with open_store(settings) as store:
        config = uvicorn.Config(
            create_app(settings, store), log_level="warning", lifespan="on", timeout_graceful_shutdown=5
        )
        uvicorn.Server(config).run(sockets=[sock])


def run_command(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="API address (default: api.host)"),
    port: int | None = typer.Option(None, "--port", help="API port (default: api.port)"),
    crawl: bool = typer.Option(True, "--crawl/--no-crawl", help="crawl on schedule"),
    logs: bool = typer.Option(True, "--logs/--no-logs", help="follow secmon.logs"),
) -> None:
    """Run everything on a schedule: crawl, enrich, follow logs, detect, notify, serve the API."""
    settings = settings_from(ctx)
    logging.getLogger("vigil").setLevel(settings.log_level)
    bind_host, bind_port = host or settings.api.host, port or settings.api.port
    with open_store(settings) as store:
        service = Service(settings, store, crawl=crawl, logs=logs)
        console.print(
            f"[bold]vigil run[/bold]: {settings.store.backend} store, crawl every "
            f"{settings.crawl.interval_minutes} min{'' if crawl else ' (off)'}, "
            f"{len(settings.secmon.logs)} log source(s), API on http://{bind_host}:{bind_port}"
            " — Ctrl-C to stop"
        )
        service.serve(bind_host, bind_port)
    console.print("stopped cleanly (log offsets committed)")


def demo_command(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="run one full cycle, check the API answers, exit"),
    port: int = typer.Option(8000, "--port", help="API port on 127.0.0.1 (0: any free port)"),
) -> None:
    """Run Vigil against bundled snapshot outlets and real sample logs on 127.0.0.1."""
    from vigil.demo_run import run_demo  # lazy: pulls in the crawl and the API (~0.9 s)

    run_demo(settings_from(ctx), once=once, port=port)
