"""The job worker of `sentinel serve`: runs queued jobs through a Sentinel client and
delivers their webhooks.

One scan thread lists the live jobs every `poll` seconds (and at once when the API
in the same process calls `wake()`), updates the queue gauges, and hands claimed work
to two thread pools: runs (`job_workers` at a time) and deliveries. Runs go through
the ordinary client, so an async job gets the same auth, rate limit, retries,
breaker, failover, telemetry and records as a direct call. While a run is in flight
the scan renews its lease; if this process dies, the lease lapses and another daemon
(or this one restarted) claims the job again. Webhook deliveries hold the same
short, renewed lease (SENTINEL_JOB_LEASE), so one cut off by a crash is retried
within a lease, not after the POST's worst-case timeout.

Every daemon on a store runs a worker (claims are compare-and-set, see
`sentinel.jobs.queue`); there is no leader for this.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from datetime import datetime, timedelta
from typing import Any

import httpx

from sentinel.client.secrets import SecretSource
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.config import Settings
from sentinel.errors import SentinelAPIError, SentinelError
from sentinel.jobs import metrics
from sentinel.jobs.allowlist import AllowList
from sentinel.jobs.delivery import deliver, new_http_client
from sentinel.jobs.model import FINISHED
from sentinel.jobs.queue import MAX_RUNS, Job, JobQueue
from sentinel.jobs.schedule import DeliverySchedule, lapsed
from sentinel.jobs.signing import secret_source
from sentinel.store.base import Store

log = logging.getLogger("sentinel.jobs")

DELIVERY_THREADS = 4
EXPIRE_EVERY = timedelta(minutes=5)


def _error(exc: BaseException) -> dict[str, Any]:
    """What the job owner sees of a failure: the class and the server's message (the
    client's errors carry no credentials); internal errors only by class."""
    if isinstance(exc, SentinelAPIError):
        return {"type": type(exc).__name__, "status_code": exc.status_code, "message": exc.message}
    if isinstance(exc, SentinelError):
        return {"type": type(exc).__name__, "message": str(exc)}
    return {"type": "InternalError", "message": "the job failed inside Sentinel; see its log"}


class JobRuntime:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        client_factory: Callable[[], Any] | None,
        *,
        holder: str,
        clock: Clock = SYSTEM_CLOCK,
        poll: float = 0.5,
        http: httpx.Client | None = None,
        schedule: DeliverySchedule | None = None,
    ) -> None:
        """`client_factory` builds the Sentinel client jobs run through (None: this
        process only delivers webhooks, e.g. when no DeepSeek key is configured)."""
        self.queue = JobQueue(store)
        self.settings = settings
        self.clock = clock
        self.holder = holder
        self.poll = poll
        self.lease = settings.job_lease
        self.schedule = schedule or DeliverySchedule.from_settings(settings)
        self.allow = AllowList(settings.webhook_allowed_hosts)
        self._client_factory = client_factory
        self._client: Any = None
        self._http: httpx.Client | None = http
        self._owns_http = http is None
        self._runs = ThreadPoolExecutor(settings.job_workers, thread_name_prefix="sentinel-job")
        self._deliveries = ThreadPoolExecutor(DELIVERY_THREADS, "sentinel-webhook")
        self._running: dict[str, Future[None]] = {}
        self._delivering: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._gauges = metrics.QueueGauges(clock)
        self._next_expire: datetime | None = None

    # lifecycle ------------------------------------------------------------

    def start(self) -> JobRuntime:
        if self._http is None:
            self._http = new_http_client()
        if self._client_factory is not None:
            try:
                self._client = self._client_factory()
            except SentinelError as exc:
                log.warning("async jobs will not run here (webhooks still go out): %s", exc)
        self._thread = threading.Thread(target=self._loop, name="sentinel-jobs", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """A job was submitted: scan now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop scanning; wait up to `timeout` for runs and deliveries in flight (what
        does not finish keeps its lease until it lapses, then another worker retries)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            pending = [*self._running.values(), *self._delivering.values()]
        wait_futures(pending, timeout=timeout)
        self._runs.shutdown(wait=False, cancel_futures=True)
        self._deliveries.shutdown(wait=False, cancel_futures=True)
        if self._owns_http and self._http is not None:
            self._http.close()
        client, self._client = self._client, None  # stop() may be called twice
        if client is not None:
            client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # a store outage: the next scan tries again
                log.warning("async job scan failed: %s: %s", type(exc).__name__, exc)
            self._wake.wait(self.poll)
            self._wake.clear()

    # one scan -------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> None:
        """Claim what is due and renew what runs here (the scan thread's body; tests
        call it directly)."""
        now = now or self.clock.now()
        jobs = self.queue.active(now)
        queued = [j for j in jobs if j["status"] == "queued"]
        self._gauges.update(
            len(queued),
            sum(j["status"] == "running" for j in jobs),
            sum(j["status"] in FINISHED for j in jobs),
            datetime.fromisoformat(queued[0]["created_at"]) if queued else None,
        )
        for job in jobs:
            if self._stop.is_set():
                return
            if job["id"] in self._delivering:
                self._renew_delivery(job, now)
            elif job["status"] in FINISHED:
                self._maybe_deliver(job, now)
            elif job["id"] in self._running:
                self._renew(job, now)
            else:
                self._maybe_run(job, now)
        if self._next_expire is None or now >= self._next_expire:
            self._next_expire = now + EXPIRE_EVERY
            self.queue.expire(now, self.settings.job_retention, self.settings.anonymize_within)

    def _maybe_run(self, job: Job, now: datetime) -> None:
        if self._client is None:
            return
        if job["status"] == "running" and not lapsed(job["lease"], now):
            return
        if job["runs"] >= MAX_RUNS:
            if self.queue.abandon(job["id"], now) is not None:
                metrics.FINISHED.labels("failed").inc()
            return
        with self._lock:
            if len(self._running) >= self.settings.job_workers:
                return
        claimed = self.queue.claim(job["id"], self.holder, now, self.lease)
        if claimed is None:
            return  # another worker was faster
        with self._lock:
            self._running[job["id"]] = self._runs.submit(self._run, claimed)

    def _due_for_renewal(self, lease: dict[str, str] | None, now: datetime) -> bool:
        expires = datetime.fromisoformat(lease["expires_at"]) if lease else now
        return expires - now < self.lease * 2 / 3

    def _renew(self, job: Job, now: datetime) -> None:
        if self._due_for_renewal(job["lease"], now):
            self.queue.renew(job["id"], self.holder, now, self.lease)

    def _renew_delivery(self, job: Job, now: datetime) -> None:
        hook = job.get("webhook")
        if hook is not None and self._due_for_renewal(hook.get("lease"), now):
            self.queue.renew_delivery(job["id"], self.holder, now, self.lease)

    def _maybe_deliver(self, job: Job, now: datetime) -> None:
        hook = job.get("webhook")
        if hook is None or hook["status"] != "pending" or not lapsed(hook.get("lease"), now):
            return
        if datetime.fromisoformat(hook["next_attempt_at"]) > now:
            return  # not due: no store round trip until it is
        with self._lock:
            if job["id"] in self._delivering or len(self._delivering) >= DELIVERY_THREADS:
                return
        claimed = self.queue.claim_delivery(job["id"], self.holder, now, self.lease)
        if claimed is None:
            return
        with self._lock:
            self._delivering[job["id"]] = self._deliveries.submit(self._deliver, claimed)

    # work -------------------------------------------------------------------

    def _run(self, job: Job) -> None:
        kwargs = {**job["request"], "subject_id": job.get("subject_id"), "app": job.get("app")}
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        result = error = request_id = None
        try:
            completion = self._client.chat.completions.create(**kwargs)
            result, request_id = completion.model_dump(mode="json"), completion.request_id
        except Exception as exc:
            if not isinstance(exc, SentinelError):
                log.exception("async job %s failed inside Sentinel", job["id"])
            error, request_id = _error(exc), getattr(exc, "request_id", None)
        try:
            done = self.queue.finish(job["id"], self.holder, self.clock.now(), result=result,
                                     error=error, request_id=request_id)  # fmt: skip
            if done is None:
                log.warning("async job %s: claim lost or job erased; result dropped", job["id"])
            else:
                metrics.FINISHED.labels(done["status"]).inc()
        except Exception as exc:  # the lease lapses and the job runs again
            log.warning("async job %s: could not store the result: %s", job["id"], exc)
        finally:
            with self._lock:
                self._running.pop(job["id"], None)
            self._wake.set()  # its webhook, or the next queued job

    def _deliver(self, job: Job) -> None:
        try:
            secret: SecretSource | None = secret_source(self.settings)
        except SentinelError:
            secret = None
        try:
            if secret is None:
                outcome_error, delivered, permanent = "no webhook signing secret", False, False
            else:
                assert self._http is not None  # set by start()
                outcome = deliver(self._http, job, self.allow, secret, self.clock)
                outcome_error, delivered = outcome.error, outcome.delivered
                permanent = outcome.permanent
            done = self.queue.record_delivery(
                job["id"], self.holder, self.clock.now(), delivered=delivered,
                error=outcome_error, permanent=permanent, schedule=self.schedule,
            )  # fmt: skip
            if done is not None:
                status = done["webhook"]["status"]
                metrics.DELIVERIES.labels(
                    {"delivered": "delivered", "failed": "failed"}.get(status, "retry")
                ).inc()
                if status == "failed":
                    log.warning("async job %s: webhook given up: %s", job["id"], outcome_error)
        except Exception as exc:  # the delivery lease lapses and it is retried
            log.warning("async job %s: webhook attempt not recorded: %s", job["id"], exc)
        finally:
            with self._lock:
                self._delivering.pop(job["id"], None)

    def idle(self) -> bool:
        """Nothing in flight in this process (tests wait on it)."""
        with self._lock:
            return not self._running and not self._delivering


def daemon_runtime(store: Store, settings: Settings, clock: Clock, holder: str) -> JobRuntime:
    """The runtime `sentinel serve` starts: jobs run through a Sentinel client built
    from the daemon's settings over the daemon's store (without a DeepSeek key it only
    delivers webhooks, and says so in its log)."""

    def client() -> Any:
        from sentinel.client import Sentinel

        return Sentinel(store=store, settings=settings, clock=clock)

    return JobRuntime(store, settings, client, holder=holder, clock=clock)
