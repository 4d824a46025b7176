"""Where alerts go: the store (alerts index, for Kibana and GET /v1/alerts), a
structured log line, a generic webhook (Alertmanager's webhook JSON, version 4), and
Alertmanager's own `/api/v2/alerts`, which then does grouping, silences and routing.

HTTP deliveries happen on a background thread with retries and exponential backoff,
so a slow or dead receiver delays nothing: evaluation only enqueues.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import httpx
from prometheus_client import Counter

from sentinel.models import AlertEvent
from sentinel.rules.evaluator import AlertInstance, Transition
from sentinel.store.base import Store

log = logging.getLogger("sentinel.alerts")

DELIVERIES = Counter(
    "sentinel_alert_notifications", "Alert notification deliveries", ["notifier", "result"]
)


@dataclass(frozen=True)
class Notification:
    """What one group evaluation has to tell the notifiers."""

    at: datetime
    transitions: list[Transition]
    firing: list[AlertInstance]  # firing instances due for (re-)sending to Alertmanager
    valid_until: datetime  # endsAt of firing alerts: Alertmanager resolves them if we vanish


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None:
        """Hand over a notification; must not raise and must not block on the network."""

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (up to timeout), then stop."""


def _iso(dt: datetime | None) -> str:
    return dt.isoformat().replace("+00:00", "Z") if dt else "0001-01-01T00:00:00Z"


class StoreNotifier:
    """Writes one AlertEvent per transition. The id is derived from the instance, the
    state and the time, so writing the same transition twice leaves one document."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def notify(self, notification: Notification) -> None:
        for t in notification.transitions:
            i = t.instance
            event = AlertEvent(
                id=f"{i.fingerprint}-{t.state}-{int(t.at.timestamp() * 1000)}",
                alertname=i.alertname,
                fingerprint=i.fingerprint,
                state=t.state,
                labels=i.labels,
                annotations=i.annotations,
                value=i.value,
                active_at=i.active_at,
                fired_at=i.fired_at,
                resolved_at=i.resolved_at,
                timestamp=t.at,
            )
            try:
                self.store.write_alert_event(event)
                DELIVERIES.labels("store", "ok").inc()
            except Exception:
                DELIVERIES.labels("store", "error").inc()
                log.exception("could not store alert event %s", event.id)

    def close(self, timeout: float = 10.0) -> None:
        """Writes are synchronous; nothing is queued."""


class LogNotifier:
    """One log line per transition, with the alert as structured fields (ECS `extra`)."""

    def notify(self, notification: Notification) -> None:
        for t in notification.transitions:
            i = t.instance
            log.log(
                logging.WARNING if t.state == "firing" else logging.INFO,
                "alert %s %s -> %s value=%s %s",
                i.alertname,
                t.previous,
                t.state,
                i.value,
                i.labels,
                extra={
                    "alert": {
                        "name": i.alertname,
                        "state": t.state,
                        "previous": t.previous,
                        "fingerprint": i.fingerprint,
                        "labels": i.labels,
                        "annotations": i.annotations,
                        "value": i.value,
                    }
                },
            )

    def close(self, timeout: float = 10.0) -> None:
        """Nothing is queued."""


class Deliverer:
    """A background thread POSTing JSON in order, retrying each body with exponential
    backoff (base, 2x base, ... capped) before giving it up with an error log line."""

    def __init__(
        self,
        name: str,
        *,
        max_attempts: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        self.name = name
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._client = httpx.Client(timeout=timeout)
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sentinel-{name}", daemon=True)
        self._thread.start()

    def post(self, url: str, body: Any) -> None:
        self._queue.put((url, body))

    def _send(self, url: str, body: Any) -> bool:
        delay = self.backoff
        for attempt in range(1, self.max_attempts + 1):
            retryable = True
            try:
                resp = self._client.post(url, json=body)
                if resp.status_code < 300:
                    DELIVERIES.labels(self.name, "ok").inc()
                    return True
                problem = f"HTTP {resp.status_code}: {resp.text[:200]}"
                # A 4xx other than 429 means the receiver refuses this body for good.
                retryable = resp.status_code >= 500 or resp.status_code == 429
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            DELIVERIES.labels(self.name, "retry").inc()
            if not retryable or attempt >= self.max_attempts:
                break
            log.warning(
                "%s: delivery to %s failed (%s); retrying in %.2fs", self.name, url, problem, delay
            )
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self.max_backoff)
        log.error("%s: giving up delivering to %s: %s", self.name, url, problem)
        DELIVERIES.labels(self.name, "failed").inc()
        return False
        return False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._send(*item)
            finally:
                self._queue.task_done()

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued; after `timeout`, pending retries are abandoned."""
        self._queue.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._stop.set()  # cut backoff waits short
            self._thread.join(1.0)
        self._client.close()


def _alert_json(i: AlertInstance, status: str, ends_at: datetime | None, url: str) -> dict:
    return {
        "status": status,
        "labels": i.labels,
        "annotations": i.annotations,
        "startsAt": _iso(i.active_at),
        "endsAt": _iso(ends_at),
        "generatorURL": url,
        "fingerprint": i.fingerprint,
    }


def _common(dicts: Sequence[dict[str, str]]) -> dict[str, str]:
    if not dicts:
        return {}
    return {k: v for k, v in dicts[0].items() if all(d.get(k) == v for d in dicts[1:])}


def webhook_payload(
    status: str, instances: Sequence[AlertInstance], external_url: str, receiver: str
) -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for instances sharing one status."""
    alerts = [
        _alert_json(i, status, i.resolved_at if status == "resolved" else None, external_url)
        for i in instances
    ]
    common_labels = _common([i.labels for i in instances])
    group_labels = {k: v for k, v in common_labels.items() if k == "alertname"}
    return {
        "version": "4",
        "groupKey": "{}:" + "{" + ",".join(f'{k}="{v}"' for k, v in group_labels.items()) + "}",
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": common_labels,
        "commonAnnotations": _common([i.annotations for i in instances]),
        "externalURL": external_url,
        "alerts": alerts,
    }


class WebhookNotifier:
    """Alertmanager-webhook-compatible POSTs on state changes: one body for the alerts
    that started firing, one for those resolved, per evaluation. Pending is not sent."""

    def __init__(
        self, url: str, external_url: str, receiver: str = "sentinel", *, backoff: float = 0.5
    ) -> None:
        self.url = url
        self.external_url = external_url
        self.receiver = receiver
        self._deliverer = Deliverer("webhook", backoff=backoff)

    def notify(self, notification: Notification) -> None:
        for status in ("firing", "resolved"):
            insts = [t.instance for t in notification.transitions if t.state == status]
            if insts:
                body = webhook_payload(status, insts, self.external_url, self.receiver)
                self._deliverer.post(self.url, body)

    def close(self, timeout: float = 10.0) -> None:
        self._deliverer.close(timeout)


class AlertmanagerNotifier:
    """POSTs to Alertmanager's /api/v2/alerts the way Prometheus does: every firing
    alert again at the re-send cadence with endsAt a few intervals ahead (so
    Alertmanager resolves it if Sentinel disappears), and each resolved alert once,
    with endsAt set to when it resolved."""

    def __init__(self, base_url: str, external_url: str, *, backoff: float = 0.5) -> None:
        self.url = base_url.rstrip("/") + "/api/v2/alerts"
        self.external_url = external_url
        self._deliverer = Deliverer("alertmanager", backoff=backoff)

    def notify(self, notification: Notification) -> None:
        body = [
            _alert_json(i, "firing", notification.valid_until, self.external_url)
            for i in notification.firing
        ] + [
            _alert_json(t.instance, "resolved", t.instance.resolved_at, self.external_url)
            for t in notification.transitions
            if t.state == "resolved"
        ]
        if body:
            # Alertmanager's API takes only these fields.
            keys = ("labels", "annotations", "startsAt", "endsAt", "generatorURL")
            self._deliverer.post(self.url, [{k: a[k] for k in keys} for a in body])

    def close(self, timeout: float = 10.0) -> None:
        self._deliverer.close(timeout)
