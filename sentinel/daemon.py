"""`sentinel serve`: the rule scheduler, the background jobs and the HTTP API.

`Daemon` is the whole daemon as an object, so tests and `sentinel demo` run it
in-process (with an injected clock, calling `evaluate_once(now)`), and `serve` is a
thin command around it. Jobs run on an APScheduler 3 BackgroundScheduler with
`coalesce` and `max_instances=1`: a slow evaluation delays the next one instead of
piling runs up. Rule groups, the anonymization job, the reclaim after erasures, the
balance poller and the spend cache warmer run only on the lease holder, so two daemons
on one store do the work (and send each alert) once; spool replay runs everywhere
because each machine has its own spool.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import typer
from prometheus_client import Gauge

from sentinel.balance import BalanceSample
from sentinel.balance_poll import BalancePoller
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.config import Settings
from sentinel.durations import format_duration
from sentinel.jobs.runtime import daemon_runtime
from sentinel.rules.engine import GroupEvaluation, RuleEngine
from sentinel.rules.lease import Lease
from sentinel.rules.loader import RuleSet, default_rule_paths, load_rules
from sentinel.rules.model import Group
from sentinel.rules.notifiers import (
    AlertmanagerNotifier,
    LogNotifier,
    Notifier,
    StoreNotifier,
    WebhookNotifier,
)
from sentinel.spend.warm import SpendWarmer, WarmableStore, WarmTrigger
from sentinel.store.base import Store

log = logging.getLogger("sentinel.daemon")

LEASE_KEY = "lease:sentinel-leader"
SPOOL_REPLAY_EVERY = timedelta(seconds=30)
RECLAIM_EVERY = timedelta(seconds=30)
RETENTION_EVERY = timedelta(hours=1)
LEADER = Gauge("sentinel_leader", "1 if this daemon holds the leader lease")


def default_notifiers(store: Store, settings: Settings) -> list[Notifier]:
    """Store and log always; webhook and Alertmanager when their URLs are configured."""
    external = f"http://{settings.api_host}:{settings.api_port}/v1/alerts"
    notifiers: list[Notifier] = [StoreNotifier(store), LogNotifier()]
    if settings.alert_webhook_url:
        notifiers.append(WebhookNotifier(settings.alert_webhook_url, external))
    if settings.alertmanager_url:
        notifiers.append(AlertmanagerNotifier(settings.alertmanager_url, external))
    return notifiers


def balance_poller(daemon: Daemon, settings: Settings) -> BalancePoller | None:
    """The leader's balance poller; None when polling is off (interval 0) or no DeepSeek
    key is configured (nothing to poll with: said once in the log)."""
    if settings.balance_poll_interval <= timedelta(0):
        return None
    if settings.api_key is None and settings.api_key_file is None:
        log.info("no DeepSeek key configured: the balance is not polled")
        return None

    def client() -> Any:
        from sentinel.client import Sentinel

        return Sentinel(store=daemon.store, settings=settings, clock=daemon.clock)

    return BalancePoller(daemon.store, settings, daemon.clock, client, lambda: daemon.lease.held)


def spend_warmer(daemon: Daemon, settings: Settings) -> SpendWarmer | None:
    """The leader's spend cache warmer; None when off (interval 0) or the store keeps
    no spend cache to warm (SQLite's rollup is always current)."""
    if settings.spend_warm_interval <= timedelta(0) or not isinstance(daemon.store, WarmableStore):
        return None
    return SpendWarmer(daemon.store, daemon.clock, lambda: daemon.lease.held)


class Daemon:
    """Scheduler + jobs + (optionally) the API over one store. See module docstring."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        rules: RuleSet | None = None,
        notifiers: Sequence[Notifier] | None = None,
        node_id: str | None = None,
        lease_ttl: timedelta | None = None,
        proxy: bool = False,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.rules = rules or load_rules(default_rule_paths(settings))
        self.engine = RuleEngine(
            store,
            default_notifiers(store, settings) if notifiers is None else notifiers,
            anonymize_within=settings.anonymize_within,
        )
        self.node_id = node_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        shortest = min((g.interval for g in self.rules.groups), default=timedelta(seconds=15))
        self.lease = Lease(store, LEASE_KEY, self.node_id, lease_ttl or shortest, clock)
        self.last_evaluations: dict[str, GroupEvaluation] = {}
        self._eval_lock = threading.Lock()  # one evaluation at a time, across jobs
        self._scheduler: Any = None
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        # The OpenAI-compatible proxy on its own port; built now so a missing upstream
        # key stops `serve --proxy` before anything starts.
        self._proxy: Any = None
        if proxy:
            from sentinel.proxy.server import proxy_server

            self._proxy = proxy_server(settings, store)
        self._proxy_thread: threading.Thread | None = None
        # Async jobs: every daemon runs a worker (claims are compare-and-set, no leader).
        self.jobs = daemon_runtime(store, settings, clock, self.node_id)
        self.balance = balance_poller(self, settings)
        self.spend_warmer = spend_warmer(self, settings)

    # evaluation -----------------------------------------------------------

    def run_group(self, group: Group, now: datetime | None = None) -> GroupEvaluation | None:
        """Evaluate one group if this daemon holds the lease; never raises (a failing
        evaluation is logged and counted, and the next one runs as scheduled)."""
        with self._eval_lock:
            now = now or self.clock.now()
            try:
                leader = self.lease.acquire(now)
                LEADER.set(1 if leader else 0)
                if not leader:
                    return None
                result = self.engine.evaluate_group(group, now)
            except Exception:
                log.exception("evaluation of rule group %s failed", group.name)
                return None
            if result is not None:
                self.last_evaluations[group.name] = result
            return result

    def evaluate_once(self, now: datetime | None = None) -> list[GroupEvaluation]:
        """Evaluate every group at `now` (default: the clock) — what tests and the
        demo call instead of waiting for the scheduler."""
        now = now or self.clock.now()
        results = [self.run_group(g, now) for g in self.rules.groups]
        return [r for r in results if r is not None]

    def _renew_lease(self) -> None:
        try:
            LEADER.set(1 if self.lease.acquire() else 0)
        except Exception:
            log.exception("could not renew the leader lease")

    def _anonymize(self) -> None:
        if not self.lease.held:
            return
        from sentinel.privacy.job import run_once  # Presidio: heavy, import on first run

        try:
            run_once(self.store, self.settings, self.clock)
        except Exception:
            log.exception("anonymization job failed")

    def _expire_calls(self) -> None:
        """SENTINEL_CALLS_RETENTION: call records carry the subject key (pseudonymous
        personal data), so they are not kept forever unless set to 0."""
        retention = self.settings.calls_retention
        if not self.lease.held or retention <= timedelta(0):
            return
        try:
            removed = self.store.expire_calls(self.clock.now() - retention)
        except Exception:
            log.exception("call retention failed")
            return
        if removed:
            log.info("call retention: removed %d call records older than %s", removed,
                     format_duration(retention))  # fmt: skip

    def _reclaim_erasures(self) -> None:
        """Second reclaim after erasures whose store could not purge every byte at once
        (Elasticsearch, see `sentinel.compliance.erasure`)."""
        if not self.lease.held:
            return
        from sentinel.compliance.service import Compliance

        try:
            Compliance.build(self.store, self.settings, clock=self.clock).erasures.reclaim_due()
        except Exception:
            log.exception("reclaim after erasure failed")

    def poll_balance(self) -> BalanceSample | None:
        """One balance poll now, on the lease holder (None elsewhere, or without a key)."""
        return self.balance.poll() if self.balance is not None else None

    def warm_spend(self) -> dict[str, str] | None:
        """One spend cache warm-up now, on the lease holder (None elsewhere, or off)."""
        return self.spend_warmer.run() if self.spend_warmer is not None else None

    def _replay_spool(self) -> None:
        from sentinel.records.replay import replay_spool

        try:
            replay_spool(self.store, self.settings)
        except Exception:
            log.exception("spool replay failed")

    # lifecycle ------------------------------------------------------------

    def start(self, *, api: bool = False) -> None:
        """Start the scheduler (and the API on a background thread if `api`)."""
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for group in self.rules.groups:
            scheduler.add_job(
                self.run_group,
                "interval",
                args=[group],
                seconds=group.interval.total_seconds(),
                id=f"rules:{group.name}",
                next_run_time=datetime.now(UTC),
            )
        scheduler.add_job(
            self._renew_lease, "interval", seconds=self.lease.ttl.total_seconds() / 3, id="lease"
        )
        scheduler.add_job(
            self._anonymize,
            "interval",
            seconds=self.settings.anonymize_interval.total_seconds(),
            id="privacy:anonymize",
        )
        scheduler.add_job(
            self._expire_calls,
            "interval",
            seconds=RETENTION_EVERY.total_seconds(),
            id="retention:calls",
            next_run_time=datetime.now(UTC) + timedelta(minutes=1),  # once the lease is held
        )
        scheduler.add_job(
            self._reclaim_erasures,
            "interval",
            seconds=RECLAIM_EVERY.total_seconds(),
            id="compliance:reclaim",
        )
        scheduler.add_job(
            self._replay_spool,
            "interval",
            seconds=SPOOL_REPLAY_EVERY.total_seconds(),
            id="spool.replay",
            next_run_time=datetime.now(UTC),
        )
        if self.balance is not None:
            scheduler.add_job(
                self.poll_balance,
                "interval",
                seconds=self.settings.balance_poll_interval.total_seconds(),
                id="balance:poll",
                next_run_time=datetime.now(UTC) + timedelta(seconds=5),  # once the lease is held
            )
        if self.spend_warmer is not None:
            scheduler.add_job(
                self.warm_spend,
                WarmTrigger(self.settings.spend_warm_interval),
                id="spend:warm",
                next_run_time=datetime.now(UTC) + timedelta(seconds=5),  # once the lease is held
            )
        scheduler.start()
        self._scheduler = scheduler
        self.jobs.start()
        log.info("sentinel daemon %s started with %d rule group(s)", self.node_id,
                 len(self.rules.groups))  # fmt: skip
        if self._proxy is not None:
            from sentinel.startup import announce_when_listening

            announce_when_listening(self._proxy, "proxy", "/v1")
            self._proxy_thread = threading.Thread(
                target=self._proxy.run, name="sentinel-proxy", daemon=True
            )
            self._proxy_thread.start()
        if api:
            from sentinel.startup import announce_when_listening

            self._server = self._make_server()
            announce_when_listening(self._server, "API")
            self._server_thread = threading.Thread(
                target=self._server.run, name="sentinel-api", daemon=True
            )
            self._server_thread.start()

    def _make_server(self) -> Any:
        import uvicorn

        from sentinel.api.app import create_app
        from sentinel.api.hosts import AllowedHosts, default_hosts
        from sentinel.api.serving import server_config

        app = create_app(self.store, self.settings, clock=self.clock, job_runtime=self.jobs)
        hosts = self.settings.api_allowed_hosts or default_hosts(self.settings.api_host)
        config = server_config(
            AllowedHosts(app, hosts), self.settings.api_host, self.settings.api_port, self.settings,
            log_level="warning",
        )  # fmt: skip
        return uvicorn.Server(config)

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: let a running evaluation finish, deliver queued
        notifications, release the lease so a follower takes over at once."""
        if self._proxy_thread is not None:  # in-flight calls finish, records are flushed
            self._proxy.should_exit = True
            self._proxy_thread.join(timeout)
            self._proxy_thread = None
        if self._server is not None:
            self._server.should_exit = True
            if self._server_thread is not None:
                self._server_thread.join(timeout)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.jobs.stop(timeout)  # runs in flight finish; the rest lapse to another worker
        if self.balance is not None:
            self.balance.close()
        self.engine.close(timeout)
        with self._eval_lock:
            try:
                self.lease.release()
            except Exception:
                log.exception("could not release the leader lease")
        LEADER.set(0)
        log.info("sentinel daemon %s stopped", self.node_id)

    def serve_forever(self) -> None:
        """Run until SIGTERM/SIGINT, then stop gracefully (see `stop`).

        uvicorn owns the main thread and its signals while it runs; it restores the
        handlers found before it started and then re-raises the signal it caught. Our
        handler is the one it restores, so the re-raised signal only asks for the stop
        that follows anyway, instead of killing the process before the evaluation in
        flight, the notification queue and the lease are dealt with. If the port cannot
        be bound uvicorn exits with status 1, after the same cleanup."""
        from sentinel.startup import announce_when_listening

        server = self._server = self._make_server()
        announce_when_listening(server, "API")

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("received signal %d: shutting down", signum)
            server.should_exit = True

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            server.run()
        finally:
            self._server = None
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def register(app: typer.Typer) -> None:
    """Add `sentinel serve` to the `sentinel` app."""

    @app.command("serve")
    def serve(
        proxy: bool = typer.Option(
            False, "--proxy", help="Also serve the OpenAI-compatible proxy on SENTINEL_PROXY_PORT."
        ),
    ) -> None:
        """Run the daemon: rule evaluation, anonymization, spool replay and the API."""
        from sentinel.startup import configure_logging, startup_errors
        from sentinel.store import open_store

        configure_logging()
        with startup_errors():
            settings = Settings()
            settings.subject_secret_bytes()  # a set key file that is missing stops serve here
            rules = load_rules(default_rule_paths(settings))
            store = open_store(settings=settings)
        try:
            with startup_errors():  # e.g. --proxy without an upstream key
                daemon = Daemon(store, settings, rules=rules, proxy=proxy)
            daemon.serve_forever()
        finally:
            store.close()
