"""`vigil run` (the main job) and `vigil demo`.

`vigil run` is one process with four activities: a crawl every `crawl.interval_minutes` (each in a
child process, see crawlers.runner), log following with detection and notifications
(secmon.pipeline.Ingester, polled every second), webhook delivery retries, and the API (uvicorn) in
the main thread. The first three are supervised workers (vigil/supervise.py): one that fails is
logged, restarted with backoff and shown by /ready and /metrics. SIGTERM
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
from datetime import UTC, date, datetime
from multiprocessing.process import BaseProcess
from typing import Any

import typer
import uvicorn

from alerts.email import deliver, send_digest
from alerts.engine import email_recipients, evaluate, office_alerts
from alerts.report import send_scheduled_report
from core.config import Settings
from core.console import console, settings_from
from core.errors import VigilError
from core.workers import WorkerBoard, board_path
from secmon.notify import WebhookNotifier
from secmon.notify.outbox import Message
from secmon.pipeline import Ingester
from store.factory import open_store
from store.ids import stable_id
from store.protocol import Store
from vigil.checks import check_references
from vigil.supervise import Backoff, Supervisor, Worker

log = logging.getLogger("vigil.run")

LOG_POLL_SECONDS = 1.0
NOTIFY_POLL_SECONDS = 5.0
REPORT_POLL_SECONDS = 60.0
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
    """The scheduler: crawl, log and notifier workers (supervised: vigil/supervise.py) and the API."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        crawl: bool = True,
        logs: bool = True,
        base_url: str | None = None,
        first_crawl_done: bool = False,
        backoff: Backoff | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.crawl_enabled = crawl
        self.logs_enabled = logs and bool(settings.secmon.logs)
        self.notify_enabled = bool(settings.secmon.webhooks)
        self.base_url = base_url
        self.first_crawl_done = first_crawl_done
        self.stop = threading.Event()
        self.board = WorkerBoard(board_path(settings.data_dir))
        self.supervisor = Supervisor(self.board, self.stop, backoff)
        self.app: Any = None

    # -- activities ----------------------------------------------------------------------------

    def _crawl_worker(self) -> Worker:
        from crawlers.runner import run_crawl  # lazy: Scrapy and Twisted (~0.45 s), for `vigil run` only

        interval = self.settings.crawl.interval_minutes * 60.0

        def step(_state: None) -> float:
            started = time.monotonic()
            summary = run_crawl(self.settings, base_url=self.base_url)
            log.warning(
                "crawl: %d pages, %d articles, %d errors", summary.pages, summary.articles, summary.errors
            )
            self.run_alerts()
            return max(0.0, interval - (time.monotonic() - started))

        return Worker(
            "crawl",
            setup=lambda: None,
            step=step,
            first_wait=interval if self.first_crawl_done else 0.0,
            grace_seconds=CRAWL_GRACE_SECONDS,
        )

    def run_alerts(self) -> list[dict[str, Any]]:
        """The press alert rules over the store after a crawl; new and updated alerts are mailed when
        `[alerts.smtp]` is configured (a mail failure is logged: the crawl schedule goes on)."""
        now = datetime.now(UTC)
        raised = evaluate(self.store, now)
        if raised:
            log.warning("alerts: %d new or updated", len(raised))
            try:
                deliver(self.settings.alerts, self.store, raised, self.settings.api.link_base, now)
            except OSError as exc:  # smtplib's errors are OSErrors
                log.error("alerts: the e-mail was not sent: %s", exc)
        self.alert_webhooks(office_alerts(raised))  # a private watchlist's alerts are its owner's only
        try:
            send_digest(
                self.settings.alerts, self.store, now, self.settings.api.link_base,
                email_recipients(self.store, now),
            )  # fmt: skip
        except OSError as exc:
            log.error("alerts: the daily digest was not sent: %s", exc)
        return raised

    def alert_webhooks(self, raised: list[dict[str, Any]]) -> None:
        """Queue each alert for `[[alerts.webhooks]]` (signed like the incidents' webhooks, events named
        as the web app's SSE) in their own outbox, and deliver what is due (the rest at the next run)."""
        hooks = self.settings.alerts.webhooks
        if not hooks:
            return
        notifier = WebhookNotifier(hooks, self.settings.state_path("alerts", "outbox", "x").parent)
        try:
            for alert in raised:
                event = "alert.opened" if not alert.get("updates") else "alert.updated"
                for hook in hooks:
                    message_id = stable_id("notify", hook.url, alert["id"], str(alert["updated_at"]))
                    body = {"event": event, "delivery": message_id, "alert": alert}
                    notifier.outbox.put(Message(id=message_id, url=hook.url, body=body))
            notifier.deliver()
        finally:
            notifier.close()

    def _report_worker(self) -> Worker:
        """The scheduled report (`[alerts.report] schedule`): checked every minute, sent once per
        occurrence, a failure logged and retried (alerts/report.py)."""
        # lazy: the report is rendered with the web app's templates (FastAPI, ~0.5 s), `vigil run` only
        from api.web.pages_report import render_standalone
        from api.web.render import make_templates

        templates = make_templates()
        base_url = self.settings.api.link_base

        def render(since: date, until: date) -> tuple[str, bytes | None]:
            pdf = self.settings.alerts.report.pdf
            return render_standalone(self.store, templates, since, until, base_url, pdf=pdf)

        def step(_state: None) -> float:
            send_scheduled_report(self.settings.alerts, self.store, datetime.now(UTC), render)
            return REPORT_POLL_SECONDS

        return Worker("report", setup=lambda: None, step=step)

    def _log_worker(self) -> Worker:
        def step(ingester: Ingester) -> float:
            summary = ingester.run_once()  # a batch the store refused is not committed: re-read next time
            if summary.lines_read:
                log.info(
                    "logs: %d lines, %d events, %d incidents opened",
                    summary.lines_read,
                    summary.events_indexed,
                    summary.incidents_opened,
                )
            return LOG_POLL_SECONDS

        # close() flushes and commits the offsets of acknowledged batches
        return Worker("logs", setup=lambda: Ingester(self.settings, self.store), step=step, teardown=_close)

    def _notify_worker(self) -> Worker:
        """Webhook retries are due even when no log line arrives: the outbox is drained on its own."""

        def step(notifier: WebhookNotifier) -> float:
            notifier.deliver()
            return NOTIFY_POLL_SECONDS

        return Worker(
            "notifier", setup=lambda: WebhookNotifier.from_settings(self.settings), step=step, teardown=_close
        )

    def workers(self) -> list[Worker]:
        chosen = []
        if self.crawl_enabled:
            chosen.append(self._crawl_worker())
        if self.logs_enabled:
            chosen.append(self._log_worker())
        if self.notify_enabled:
            chosen.append(self._notify_worker())
        if self.settings.alerts.report.schedule:
            chosen.append(self._report_worker())
        return chosen

    # -- lifecycle -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self.stop.set()
        if self.app is not None:
            self.app.state.stopping = True

    def start_background(self) -> None:
        self.supervisor.start(self.workers())

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
        self.supervisor.join()
        self.board.clear()

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


def _close(state: Any) -> None:
    state.close()


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
    check_references(settings, None)
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
    port: int | None = typer.Option(
        None, "--port", help="API port on 127.0.0.1 (default: api.port / VIGIL_API__PORT, 8000; 0: any free)"
    ),
    backend: str = typer.Option(
        "sqlite", "--backend", help="sqlite (the embedded store) or elasticsearch (see --es-url)"
    ),
    es_url: str | None = typer.Option(
        None,
        "--es-url",
        help="Elasticsearch URL for --backend elasticsearch (default: store.elasticsearch.hosts)",
    ),
) -> None:
    """Run Vigil against bundled snapshot outlets and real sample logs on 127.0.0.1."""
    from vigil.demo_run import run_demo  # lazy: pulls in the crawl and the API (~0.9 s)

    run_demo(settings_from(ctx), once=once, port=port, backend=backend, es_url=es_url)
