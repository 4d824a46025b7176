"""ElasticStore (being split into one module per role)."""

from sentinel.store.elastic.core import ElasticStore

__all__ = ["ElasticStore"]
