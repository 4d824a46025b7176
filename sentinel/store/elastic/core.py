"""ElasticStore's core: the client, index naming and lifecycle its roles run on.

Choices worth knowing:

* Server and client are both 8.19.3: the Python client's major must match the
  server's, and 8.x runs on the JDK 17 the test machines have (9.x needs JDK 21+).
  The tests run against the stripped `integ-test-zip` build, so only core APIs are
  used: composable index templates, bulk, get/mget, search with aggregations, and
  point-in-time + `search_after`. No painless scripts, no ingest pipeline, and no
  `_delete_by_query` (it lives in the reindex module, which that build lacks):
  deletions are found with a point in time and removed by id through bulk.
* Document ids are `request_id` (calls, conversations, feedback), the alert event id,
  the audit `seq` and the state key, so a spool replay overwrites instead of
  duplicating. Calls go to daily `<prefix>-calls-YYYY.MM.DD` indices by their UTC
  timestamp, so a replay lands in the same index.
* `@timestamp` is `date_nanos`: window queries `(start, end]` are exact to the
  microsecond, as in SQLite, where a millisecond `date` would blur the boundaries.
* Conversations are upserted with optimistic concurrency (`if_seq_no` /
  `if_primary_term`, or `create` for new ones), never with a script, so a replayed
  raw copy can never overwrite the anonymized one. State uses the same CAS; audit
  entries are create-only.
* Records are written through `helpers.streaming_bulk` (`parallel_bulk` for big
  batches, so serializing one chunk overlaps indexing the previous one); items failing
  with 429/5xx are retried per item with backoff. An item the server rejects for
  good (400: mapping or parse error) goes to a dead-letter JSONL file with the reason
  and is reported in the `WriteResult`; if retryable failures remain, an item fails
  with 401/403/404 (credentials, a read-only block, a missing index), or the whole
  `_bulk` request fails in any way, `StoreUnavailable` is raised so the sink spools
  the batch (rewriting the items that did succeed is harmless): see `item_fault` and
  `write_failure` in `documents.py`.
* Writes of calls and feedback are near-real-time (visible after `refresh()`), as
  Elasticsearch is; state, alert and audit writes are low-volume and refresh at once,
  because leases, tombstones and the audit chain are read right after being written.
* Erasure deletes by id, then refreshes; `reclaim()` force-merges with
  `only_expunge_deletes` (the templates set `expunge_deletes_allowed` to 0) because a
  deleted document is unreachable by every API at once but its bytes stay in the
  segment files until a merge rewrites them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from elasticsearch import (
    ApiError,
    BadRequestError,
    Elasticsearch,
    SerializationError,
    TransportError,
)
from elasticsearch.serializer import OrjsonSerializer

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.store import schema
from sentinel.store.base import SchemaReport, StoreUnavailable, collection
from sentinel.store.dead_letter import DeadLetterFile
from sentinel.store.elastic.documents import RETRY_STATUS, redact_nodes, utc

if TYPE_CHECKING:
    from sentinel.config import Settings

T = TypeVar("T")

log = logging.getLogger("sentinel.store")
_REQUEST_TIMEOUT = 30.0
_DAILY_INDEX_MAX_DAYS = 31  # longer windows search the pattern instead of listing days


class ElasticCore:
    """The client, index naming and lifecycle every role of ElasticStore runs on."""

    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        *,
        index_prefix: str = "sentinel",
        dead_letter_path: Path,
        url: str = "",
        bulk_retries: int = 4,
        bulk_backoff: float = 0.2,
        shards: int | None = None,
        replicas: int | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        if (
            not index_prefix
            or index_prefix != index_prefix.lower()
            or not all(c.isalnum() or c in "-_." for c in index_prefix)
        ):
            raise ValueError(
                f"index prefix {index_prefix!r} must be non-empty lowercase letters, digits, "
                "'-', '_' or '.'"
            )
        self.client = client
        self.prefix = index_prefix
        self.dead_letter_path = dead_letter_path
        self.dead_letter = DeadLetterFile(dead_letter_path)
        self._url = redact_nodes(url) if url else "Elasticsearch"
        self._bulk_retries = bulk_retries
        self._bulk_backoff = bulk_backoff
        self._sizing = {"shards": shards, "replicas": replicas}
        self.clock = clock  # which day is today (`spend_cache`)

    @classmethod
    def from_settings(cls, url: str, settings: Settings, **kwargs: Any) -> Self:
        """Client from SENTINEL_ES_* settings: API key or user/password, TLS verified
        unless SENTINEL_ES_VERIFY_CERTS=false, optional CA bundle. A comma-separated
        SENTINEL_STORE names several nodes of one cluster: the client spreads requests
        over them and retries a failed one on the next, so losing a node loses nothing."""
        nodes = [node.strip() for node in url.split(",") if node.strip()]
        auth: dict[str, Any] = {}
        if settings.es_api_key is not None:
            auth["api_key"] = settings.es_api_key.get_secret_value()
        elif settings.es_username:
            password = settings.es_password.get_secret_value() if settings.es_password else ""
            auth["basic_auth"] = (settings.es_username, password)
        tls: dict[str, Any] = {}
        if any(node.startswith("https://") for node in nodes):
            tls["verify_certs"] = settings.es_verify_certs
            if settings.es_ca_certs is not None:
                tls["ca_certs"] = str(settings.es_ca_certs)
        client = Elasticsearch(
            nodes,
            request_timeout=_REQUEST_TIMEOUT,
            max_retries=max(1, len(nodes) - 1),
            retry_on_timeout=False,
            serializer=OrjsonSerializer(),  # 15x faster than json: ingest is JSON-bound
            **auth,
            **tls,
        )
        kwargs.setdefault("index_prefix", settings.es_index_prefix)
        kwargs.setdefault("shards", settings.es_shards)
        kwargs.setdefault("replicas", settings.es_replicas)
        kwargs.setdefault(
            "dead_letter_path", settings.data_dir / "dead-letter" / "elasticsearch.jsonl"
        )
        return cls(client, url=url, **kwargs)

    # plumbing -------------------------------------------------------------

    def _index(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def _kind_index(self, kind: str) -> str:
        """Where one of the KINDS lives: calls span daily indices, so all of them."""
        name = collection(kind)
        return self._index(f"{name}-*" if kind == "call" else name)

    def _call_index(self, ts: datetime) -> str:
        return self._daily(utc(ts).date())

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one store per process, few days at once
    def _daily(self, day: date) -> str:
        return f"{self.prefix}-calls-{day:%Y.%m.%d}"

    def _calls_in(self, start: datetime, end: datetime) -> str:
        """The daily indices a window can touch, or the pattern for long windows."""
        first, last = utc(start).date(), utc(end).date()
        days = (last - first).days
        if days < 0 or days > _DAILY_INDEX_MAX_DAYS:
            return self._index("calls-*")
        return ",".join(
            f"{self.prefix}-calls-{first + timedelta(days=d):%Y.%m.%d}" for d in range(days + 1)
        )

    def _op(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one client call; unreachable or overloaded → StoreUnavailable."""
        try:
            return fn(*args, **kwargs)
        except SerializationError:
            raise  # our request could not be encoded: a bad record, not an outage
        except TransportError as exc:
            raise StoreUnavailable(
                f"Elasticsearch unreachable at {self._url}: {type(exc).__name__}: {exc}"
            ) from exc
        except ApiError as exc:
            if exc.meta.status in RETRY_STATUS:
                raise StoreUnavailable(
                    f"Elasticsearch at {self._url} answered {exc.meta.status}: {exc.message}"
                ) from exc
            raise

    def _search(self, index: str, **body: Any) -> dict[str, Any]:
        return self._op(
            self.client.search,
            index=index,
            ignore_unavailable=True,
            allow_no_indices=True,
            **body,
        ).body

    # lifecycle ------------------------------------------------------------

    def setup(self) -> None:
        """Install the index templates and create the fixed indices; safe to repeat."""
        for name in schema.TEMPLATES:
            body = schema.load_template(name, self.prefix, **self._sizing)
            self._op(
                self.client.indices.put_index_template,
                name=self._index(name),
                index_patterns=body["index_patterns"],
                template=body["template"],
                priority=body["priority"],
                meta=body["_meta"],
            )
        for name in schema.TEMPLATES:
            if name == "calls":
                continue  # daily indices are created by the first write of the day
            self._op(self.client.options(ignore_status=400).indices.create, index=self._index(name))
        patterns = []
        for name in schema.TEMPLATES:
            body = schema.load_template(name, self.prefix)
            self._update_mappings(body)
            patterns.extend(body["index_patterns"])
        if self._sizing["replicas"] is not None:
            # Replicas, unlike shards, change in place: existing indices follow at once.
            self._op(
                self.client.indices.put_settings,
                index=",".join(patterns),
                allow_no_indices=True,
                settings={
                    "index.auto_expand_replicas": False,
                    "index.number_of_replicas": self._sizing["replicas"],
                },
            )

    def _update_mappings(self, body: dict[str, Any]) -> None:
        """Bring indices made by an older Sentinel up to the template's mappings (a
        template only shapes indices created after it): new fields and updatable
        parameters such as `ignore_above` apply at once. A change Elasticsearch cannot
        make in place (a field's type) is logged; it reaches the next daily calls index,
        or needs a reindex for the fixed ones."""
        mappings = body["template"]["mappings"]
        try:
            self._op(
                self.client.indices.put_mapping,
                index=",".join(body["index_patterns"]),
                allow_no_indices=True,
                ignore_unavailable=True,
                dynamic=mappings["dynamic"],
                properties=mappings["properties"],
            )
        except BadRequestError as exc:
            log.warning(
                "Elasticsearch kept the existing mappings of %s: %s",
                ",".join(body["index_patterns"]),
                exc.message,
            )

    def drop_spend_cache(self) -> None:
        """Delete every cached range of spend groups (`spend_cache`): erasure and the
        retention call it, as those groups name whose calls they summed."""
        names = list(
            self._op(self.client.indices.get, index=self._index("spend-*"), allow_no_indices=True)
        )
        if names:
            self._op(self.client.indices.delete, index=",".join(names))

    def ping(self) -> bool:
        # Not HEAD /: the stripped test server has no root endpoint.
        try:
            self.client.cluster.health(timeout="2s")
            return True
        except Exception:
            return False

    def close(self) -> None:
        self.client.close()

    def refresh(self) -> None:
        self._op(
            self.client.indices.refresh,
            index=self._index("*"),
            ignore_unavailable=True,
            allow_no_indices=True,
        )

    def check_templates(self) -> SchemaReport:
        """Each index template `setup` installs, by its `_meta` (the version stamp the
        shipped template carries): missing, or installed by another Sentinel version."""
        where = f"Elasticsearch at {self._url}"
        if not self.ping():
            raise StoreUnavailable(f"{where} is unreachable")
        missing, outdated = [], []
        try:
            for name in schema.TEMPLATES:
                found = self.client.options(ignore_status=404).indices.get_index_template(
                    name=self._index(name)
                )
                installed = (
                    found.body.get("index_templates", []) if found.meta.status == 200 else []
                )
                if not installed:
                    missing.append(self._index(name))
                elif installed[0]["index_template"].get("_meta") != schema.load_template(
                    name, self.prefix
                ).get("_meta"):
                    outdated.append(self._index(name))
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(f"{where}: {type(exc).__name__}") from exc
        return SchemaReport(
            where=where,
            what="index templates",
            summary=f"{len(schema.TEMPLATES)} templates current",
            missing=missing,
            outdated=outdated,
            fix="start `sentinel serve` (or any client) once with a user allowed to manage "
            "index templates: it installs them",
        )
