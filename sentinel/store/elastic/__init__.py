"""ElasticStore: the Store protocol on Elasticsearch, the production store Kibana reads.

One module per role of the Store protocol (`records`, `stats`, `subjects`, `cache`,
`state`, `audit`), each a mixin over `core.ElasticCore` (the client, index naming,
lifecycle; its docstring has the choices worth knowing); `bulk` holds the bulk and
point-in-time plumbing the writing roles share, `documents` the record mapping and
failure classification, `maintenance` reclaim and drop.
"""

from __future__ import annotations

from sentinel.store.balance_series import ElasticBalanceSeries
from sentinel.store.cost_window import ElasticCostQueries
from sentinel.store.elastic.audit import ElasticAudit
from sentinel.store.elastic.cache import ElasticCache
from sentinel.store.elastic.maintenance import ElasticMaintenance
from sentinel.store.elastic.records import ElasticRecords
from sentinel.store.elastic.spend_cache import ElasticSpendCache
from sentinel.store.elastic.state import ElasticState
from sentinel.store.elastic.stats import ElasticWindowStats
from sentinel.store.elastic.subjects import ElasticSubjects
from sentinel.store.spend_queries import ElasticSpendQueries

__all__ = ["ElasticStore"]


class ElasticStore(
    ElasticRecords,
    ElasticWindowStats,
    ElasticCostQueries,
    ElasticSubjects,
    ElasticCache,
    ElasticState,
    ElasticAudit,
    ElasticMaintenance,
    ElasticSpendQueries,
    ElasticSpendCache,
    ElasticBalanceSeries,
):
    """The Store protocol on Elasticsearch."""
