"""Where a finished call goes: telemetry (span, metrics, log line) and the Sink.

Also remembers recent calls' model and subject_key so `client.feedback(request_id)`
can be labelled like the call it rates without the app repeating them.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from sentinel.client.cost import Pricer
from sentinel.client.observation import Observation
from sentinel.client.params import ChatRequest
from sentinel.client.record_builder import call_record, conversation
from sentinel.clock import Clock
from sentinel.models import CallRecord, Record, subject_key_for
from sentinel.records.sink import Sink
from sentinel.safety import SafetyFilter, screen_prompt
from sentinel.telemetry.calls import CallTelemetry

log = logging.getLogger("sentinel.client")
_RECENT = 10_000
_SUBJECT_KEYS = 4096  # subjects whose HMAC is kept; a full memo starts over


class Reporter:
    def __init__(
        self,
        telemetry: CallTelemetry,
        sink: Sink | None,
        *,
        app: str,
        capture_content: bool,
        clock: Clock,
        subject_secret: bytes,
        safety: SafetyFilter | None = None,
        pricer: Pricer | None = None,
        spent: Callable[[CallRecord], None] | None = None,
    ) -> None:
        self.telemetry = telemetry
        self.sink = sink
        self.app = app
        self.capture_content = capture_content
        self.clock = clock
        self._secret = subject_secret
        self.safety = safety
        self.pricer = pricer
        self.spent = spent  # the budgets' running totals (SpendGuard.spent)
        self._recent: OrderedDict[str, tuple[str, str | None]] = OrderedDict()
        self._subject_keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def subject_key(self, subject_id: str | None) -> str | None:
        """The subject's HMAC, memoised: an app's calls name the same subjects again and
        again, and the HMAC is ~3 us of every call that names one (more with cold
        caches). The memo holds raw ids in memory only, as the requests themselves do."""
        if not subject_id:
            return None
        keys = self._subject_keys
        key = keys.get(subject_id)
        if key is None:
            key = subject_key_for(subject_id, self._secret)
            if len(keys) >= _SUBJECT_KEYS:
                keys.clear()
            keys[subject_id] = key
        return key

    def begin(self, request: ChatRequest) -> Observation:
        obs = Observation(request, self, self.clock.now(), self.subject_key(request.subject_id))
        self.telemetry.start(obs)
        if self.safety is not None:
            screen_prompt(self.safety, obs)
        return obs

    def report(self, obs: Observation) -> None:
        """Never raises: a reporting failure must not turn a good call into an error."""
        try:
            app = obs.request.app or self.app
            record = call_record(obs, app, self.pricer)
        except Exception:
            log.exception("could not build the record of call %s", obs.request_id)
            return
        self.telemetry.finish(obs, record)
        try:
            if self.spent is not None:
                self.spent(record)
            records: list[Record] = [record]
            if self.capture_content:
                records.append(conversation(obs, app))
            with self._lock:
                self._recent[obs.request_id] = (obs.request.model, obs.subject_key)
                if len(self._recent) > _RECENT:
                    self._recent.popitem(last=False)
            if self.sink is not None:
                self.sink.submit_many(records)
        except Exception:
            log.exception("could not hand call %s to the sink", obs.request_id)

    def recall(self, request_id: str) -> tuple[str | None, str | None]:
        """(model, subject_key) of a recent call, or (None, None)."""
        with self._lock:
            return self._recent.get(request_id, (None, None))
