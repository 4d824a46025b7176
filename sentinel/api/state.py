"""The API's services (`sentinel.web.state`), set once by `create_app`.

The compliance services and the job queue are built on first use, not with the app:
building compliance opens the audit log and this machine's spool, which a health
check or an alerts read never needs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette

from sentinel.compliance.service import Compliance, open_spool
from sentinel.jobs.queue import JobQueue
from sentinel.web.state import WebState, state_of

if TYPE_CHECKING:
    from sentinel.api.deps import RateLimiter
    from sentinel.jobs.runtime import JobRuntime


@dataclass(kw_only=True)
class ApiState(WebState):
    exports_dir: Path | None = None  # default: <data dir>/exports
    job_runtime: JobRuntime | None = None  # the daemon's, woken when a job is submitted
    # By name (`rate_limit`); tests and the daemon may replace one before the first request.
    rate_limiters: dict[str, RateLimiter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _compliance: Compliance | None = field(default=None, repr=False)
    _job_queue: JobQueue | None = field(default=None, repr=False)

    @property
    def compliance(self) -> Compliance:
        with self._lock:
            if self._compliance is None:
                self._compliance = Compliance.build(
                    self.store,
                    self.settings,
                    spool=open_spool(self.settings),
                    clock=self.clock,
                    exports_dir=self.exports_dir,
                )
            return self._compliance

    @property
    def job_queue(self) -> JobQueue:
        with self._lock:
            if self._job_queue is None:
                self._job_queue = JobQueue(self.store)
            return self._job_queue


def api_state(app: Starlette) -> ApiState:
    return state_of(app, ApiState)
