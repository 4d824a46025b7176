"""Liveness, readiness and Prometheus metrics.

`/healthz` says the process serves requests (restart it if not); `/readyz` says it can
do its job, i.e. the store answers (take it out of rotation if not). `/metrics` is the
default prometheus-client registry, where the rule engine, the notifiers, the lease
and the privacy job register their series, plus gauges computed here from the store's
state at scrape time (cheap: a prefix listing of the active alert entries).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sentinel.api.state import api_state
from sentinel.rules.engine import load_active
from sentinel.store.base import Store

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    store = api_state(request.app).store
    if store.ping():
        return JSONResponse({"status": "ready", "store": store.name})
    return JSONResponse({"status": "unavailable", "store": store.name}, status_code=503)


class _StoredAlerts(Collector):
    """Active alerts as the store holds them, so any replica (not only the leader that
    evaluated them) reports the same numbers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "sentinel_active_alerts", "Pending and firing alerts in the store", labels=["state"]
        )
        counts = Counter(i.state for i in load_active(self.store))
        for state in ("pending", "firing"):
            family.add_metric([state], counts.get(state, 0))
        yield family


@router.get("/metrics")
def metrics(request: Request) -> Response:
    # The store collector is built per scrape: registering it globally would tie the
    # process-wide registry to one app's store.
    body = generate_latest(REGISTRY) + generate_latest(_StoredAlerts(api_state(request.app).store))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
