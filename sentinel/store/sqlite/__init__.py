"""SQLiteStore: the embedded default, so a laptop or `sentinel demo` needs no server.

One module per role of the Store protocol (`records`, `stats`, `subjects`, `cache`,
`state`, `audit`, `spend`), each a mixin over `core.SQLiteCore`, which owns the connection, the
lifecycle and the failure classification; `tables` holds the schema. See `core` for
the choices worth knowing (WAL, secure_delete, epoch timestamps, the checkpointer).
"""

from __future__ import annotations

from sentinel.store.balance_series import SQLiteBalanceSeries
from sentinel.store.cost_window import SQLiteCostQueries
from sentinel.store.sqlite.audit import SQLiteAudit
from sentinel.store.sqlite.cache import SQLiteCache
from sentinel.store.sqlite.core import CHECKPOINT_EVERY, WAL_AUTOCHECKPOINT_PAGES
from sentinel.store.sqlite.records import SQLiteRecords
from sentinel.store.sqlite.spend import SQLiteSpendQueries
from sentinel.store.sqlite.state import SQLiteState
from sentinel.store.sqlite.stats import SQLiteWindowStats, percentile
from sentinel.store.sqlite.subjects import SQLiteSubjects

__all__ = ["CHECKPOINT_EVERY", "WAL_AUTOCHECKPOINT_PAGES", "SQLiteStore", "percentile"]


class SQLiteStore(
    SQLiteRecords,
    SQLiteWindowStats,
    SQLiteCostQueries,
    SQLiteSubjects,
    SQLiteCache,
    SQLiteState,
    SQLiteAudit,
    SQLiteSpendQueries,
    SQLiteBalanceSeries,
):
    """The Store protocol on one SQLite file."""
