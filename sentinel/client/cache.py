"""The response cache (opt-in: SENTINEL_CACHE=true or `Sentinel(cache=True)`).

What is cached: non-streaming requests with `temperature == 0` whose answer ended
normally (finish reason stop, length or tool_calls): never an error, a fallback or a
degraded answer. Tool definitions may be part of a cached request: a cached answer
that asks for a tool call makes the app run the tool exactly as a fresh answer would.
Streams are not cached (neither looked up nor stored).

The key is SHA-256 over canonical JSON (sorted keys, no spaces) of the app, the
subject's key and the whole request body, so every parameter that can change the
answer (model, messages, penalties, max_tokens, stop, response_format, tools,
extra_body fields) is in it, and labels (`metadata`) are not. A request redacted
before it left (SENTINEL_REDACT_OUTBOUND) also keys on a digest of the values its
placeholders stand for: "mail A" and "mail B" mask to one body but are not one
question; the entry holds only the masked answer. That digest is an HMAC under a key
derived from the deployment's subject secret (SENTINEL_SUBJECT_SECRET, or the key
file), not a plain hash: a plain SHA-256 of "<PERSON_1> = Anne Lynch" can be
recomputed by anyone who guesses the name, so the store's cache keys would tell
whether two requests (of two subjects, or of none) held the same person. With no
secret configured, the subject secret is the random key created once in the data dir
(Settings.subject_secret_bytes), as for subject keys: hosts that share a store then
key those entries differently and do not share them, as they already do not share
their subjects' entries. The subject is part of
the key: a subject's request only hits entries its own calls created, so erasing a
subject erases every cached copy of what it sent or received, and no subject can
learn from a hit what another one asked. Requests without a subject share the app's
entries.

Where it lives: in the Store (SQLite table / `sentinel-cache` index), shared by every
process of the app and erasable by `sentinel gdpr erase` from another process. There
is no in-process layer: a copy in a running app's memory would outlive an erasure
made elsewhere, and the store's primary-key read costs microseconds (SQLite) to about
a millisecond (Elasticsearch), against the upstream's hundreds of milliseconds.

Privacy: an entry holds raw content, its subject_key and the raw subject_id, so it
is personal data like a raw conversation. Its TTL is capped at
SENTINEL_ANONYMIZE_WITHIN and the anonymization job purges every entry before that
deadline; erasure deletes the subject's entries (counted as kind "cache"). Writes go
through one background thread (a miss is never slowed by the store) and are skipped
while an erasure tombstone covers the call's start (up to its cut-off: an answer to a
request sent before the erasure is not cached, however late it arrives). A store that
fails a lookup is a miss, a failed write is dropped: the cache never fails a call.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from opentelemetry.metrics import MeterProvider

from sentinel.client.observation import Observation
from sentinel.client.outcome import apply_completion
from sentinel.client.params import ChatRequest
from sentinel.client.types import ChatCompletion
from sentinel.clock import Clock
from sentinel.errors import ConfigurationError
from sentinel.records.tombstones import covers, read_tombstone
from sentinel.store.base import CacheEntry, Store
from sentinel.telemetry import semconv as sc

log = logging.getLogger("sentinel.client.cache")

CACHEABLE_FINISH = frozenset({"stop", "length", "tool_calls"})
MAX_PENDING_WRITES = 1_000  # beyond this, new entries are dropped (it is only a cache)


def cacheable(request: ChatRequest) -> bool:
    """Deterministic requests only: temperature 0 (explicitly; DeepSeek's default is 1)
    and no stream."""
    return request.operation == "chat" and not request.stream and request.params.temperature == 0.0


def masked_values_key(secret: bytes) -> bytes:
    """The HMAC key of masked_digest, derived from the subject secret (its own purpose:
    a digest of values is never comparable with a subject key)."""
    return hmac.new(secret, b"sentinel-cache-masked-values-v1", hashlib.sha256).digest()


def masked_digest(masked: Mapping[str, str], key: bytes) -> str:
    """HMAC-SHA256 hex (under `key`, masked_values_key) of an outbound mask's
    placeholder -> value map in placeholder order: the masked body alone is the same for
    "my mail is A" and "my mail is B", so two requests may share an answer only when
    their values are the same too. Only this digest enters the key; the values are never
    stored, and without the key no guess of them can be checked against it."""
    canonical = json.dumps(sorted(masked.items()), separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def cache_key(
    app: str,
    subject_key: str | None,
    body: dict[str, Any],
    thinking: str | None = None,
    masked: str | None = None,
) -> str:
    """SHA-256 hex of the canonical JSON of app, subject, request body and the thinking
    mode the call runs in (a model's default is not in the body, and a thinking answer
    is not the same answer), and, for a request redacted before it left, `masked`: the
    masked_digest of the values its placeholders stand for."""
    doc: dict[str, Any] = {"app": app, "subject_key": subject_key, "body": body}
    if thinking is not None:
        doc["thinking"] = thinking
    if masked:
        doc["masked"] = masked
    canonical = json.dumps(
        doc,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def effective_ttl(ttl: timedelta, anonymize_within: timedelta) -> timedelta:
    """Never longer than raw content may be kept."""
    if ttl <= timedelta(0):
        raise ConfigurationError(f"SENTINEL_CACHE_TTL must be positive, got {ttl}")
    return min(ttl, anonymize_within)


def storable(completion: ChatCompletion) -> bool:
    """A complete, normal answer: every choice finished for a reason that is not an
    upstream failure (DeepSeek reports `insufficient_system_resource` as one)."""
    return bool(completion.choices) and all(
        c.finish_reason in CACHEABLE_FINISH for c in completion.choices
    )


def answer_from_cache(obs: Observation, completion: ChatCompletion) -> ChatCompletion:
    """Finish the call with a cached answer: one span, log line and record like any call,
    marked as a hit, with a new request_id and no tokens (nothing was spent upstream)."""
    apply_completion(obs, completion)
    obs.input_tokens = obs.output_tokens = obs.total_tokens = None
    obs.cache_hit_tokens = obs.cache_miss_tokens = obs.reasoning_tokens = None
    obs.finish()
    return completion


class ResponseCache:
    def __init__(
        self,
        store: Store,
        *,
        app: str,
        ttl: timedelta,
        anonymize_within: timedelta,
        max_entries: int,
        clock: Clock,
        meter_provider: MeterProvider,
        secret: bytes,
    ) -> None:
        self.store = store
        self._masked_key = masked_values_key(secret)
        self.app = app
        self.ttl = effective_ttl(ttl, anonymize_within)
        self.max_entries = max_entries
        self.clock = clock
        meter = meter_provider.get_meter("sentinel")
        self._hits = meter.create_counter(
            sc.METRIC_CACHE_HITS, unit="{request}", description="Calls answered from the cache"
        )
        self._misses = meter.create_counter(
            sc.METRIC_CACHE_MISSES,
            unit="{request}",
            description="Cacheable calls not in the cache (sent upstream)",
        )
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentinel-cache")
        self._pending = 0
        self._lock = threading.Lock()

    def key(
        self,
        request: ChatRequest,
        subject_key: str | None,
        masked: Mapping[str, str] | None = None,
    ) -> str | None:
        """The request's key, or None when it is not cacheable. `masked`: the outbound
        mask's placeholder -> value map, when the body holds placeholders."""
        if not cacheable(request):
            return None
        digest = masked_digest(masked, self._masked_key) if masked else None
        return cache_key(self.app, subject_key, request.body, request.params.thinking, digest)

    def get(self, key: str, model: str) -> ChatCompletion | None:
        """The cached answer (a fresh object each time), or None; counts hit or miss."""
        try:
            entry = self.store.cache_get(key, self.clock.now())
            completion = ChatCompletion.model_validate(entry.response) if entry else None
        except Exception as exc:  # a store outage must not fail the call
            log.warning("cache lookup failed (%s); calling upstream", type(exc).__name__)
            completion = None
        counter = self._hits if completion is not None else self._misses
        counter.add(1, {sc.GEN_AI_REQUEST_MODEL: model, sc.SENTINEL_APP: self.app})
        return completion

    def put(
        self,
        key: str,
        request: ChatRequest,
        subject_key: str | None,
        completion: ChatCompletion,
        started: datetime,
    ) -> None:
        """Store a fresh answer in the background; skipped when it is not a normal one.
        `started` is the call's start (its records' timestamp): an answer to a request
        sent before an erasure is content from before its cut-off, however late it came."""
        if not storable(completion):
            return
        now = self.clock.now()
        entry = CacheEntry(
            key=key,
            app=self.app,
            model=request.model,
            created_at=now,
            expires_at=now + self.ttl,
            response=completion.model_dump(mode="json", exclude={"request_id"}),
            subject_id=request.subject_id,
            subject_key=subject_key,
        )
        with self._lock:
            if self._pending >= MAX_PENDING_WRITES:
                return
            self._pending += 1
        try:
            self._writer.submit(self._write, entry, started)
        except RuntimeError:  # closed
            with self._lock:
                self._pending -= 1

    def _write(self, entry: CacheEntry, started: datetime) -> None:
        try:
            # Looked up per write, not from a cached set: an entry written a moment
            # after an erasure would hold the erased subject's content for a whole TTL.
            key = entry.subject_key
            if key is None or not covers(read_tombstone(self.store, key), started):
                self.store.cache_put(entry, self.max_entries)
        except Exception as exc:
            log.warning("could not store a cache entry (%s); dropped", type(exc).__name__)
        finally:
            with self._lock:
                self._pending -= 1

    def flush(self) -> None:
        """Wait for the writes queued so far (tests, shutdown)."""
        self._writer.submit(lambda: None).result()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
