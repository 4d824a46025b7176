"""One object wiring the compliance pieces over a store, so the API and the CLI build
them the same way (same exports dir, same audit log, same token pepper)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.compliance.audit import AuditLog
from sentinel.compliance.erasure import ErasureService
from sentinel.compliance.export import ExportService, SubjectSpool
from sentinel.compliance.subjects import subject_key
from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.records.spool import Spool
from sentinel.store.base import Store

log = logging.getLogger("sentinel.compliance")


def open_spool(settings: Settings) -> SubjectSpool | None:
    """This machine's durable spool (SENTINEL_SPOOL_DIR): records not yet replayed to the
    store are exported and erased with the rest.

    Opened (and created) even when nothing has spooled yet, because the API and CLI hold
    it for their lifetime and a client may start spooling later: a spool that appeared
    after start would otherwise be missed by every export and erasure until a restart.
    None only when the directory cannot be created, which is logged."""
    try:
        return Spool(settings.spool_path, fsync=settings.spool_fsync)
    except OSError as exc:
        log.warning("spool %s unusable, exports and erasures skip it: %s", settings.spool_path, exc)
        return None


@dataclass
class Compliance:
    store: Store
    settings: Settings
    audit: AuditLog
    exports: ExportService
    erasures: ErasureService
    tokens: TokenRegistry

    @classmethod
    def build(
        cls,
        store: Store,
        settings: Settings,
        *,
        spool: SubjectSpool | None = None,
        clock: Clock = SYSTEM_CLOCK,
        exports_dir: Path | None = None,
    ) -> Compliance:
        """`exports_dir` defaults to `<data dir>/exports` (export files, mode 0600)."""
        audit = AuditLog.for_settings(store, settings, clock)
        exports = ExportService(
            store, spool, exports_dir or settings.data_dir / "exports", audit, clock
        )
        return cls(
            store=store,
            settings=settings,
            audit=audit,
            exports=exports,
            erasures=ErasureService(
                store, spool, exports, audit, clock, clock_skew=settings.erasure_clock_skew
            ),
            tokens=TokenRegistry(store, settings.subject_secret_bytes(), clock),
        )

    def subject_key(self, subject_id: str) -> str:
        return subject_key(subject_id, self.settings)
