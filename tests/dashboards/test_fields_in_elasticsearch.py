"""The dashboards against a real Elasticsearch: indices created by ElasticStore from the
shipped templates, asked through `_field_caps` (what Kibana's data views ask) whether each
field a panel or search uses exists, and is aggregatable, searchable or a date where the
panel needs it. This checks the templates as Elasticsearch applies them, not as parsed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from saved_objects_support import field_uses

from sentinel.models import CallRecord, Conversation, Feedback

AGGREGATIONS = {"date_histogram", "terms", "average", "sum", "median", "percentile", "min",
                "max", "unique_count", "last_value", "sort"}  # fmt: skip
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
DATES = {"date", "date_nanos"}
NEEDS_TYPE = {
    "date_histogram": DATES,
    "average": NUMERIC,
    "sum": NUMERIC,
    "median": NUMERIC,
    "percentile": NUMERIC,
    "min": NUMERIC | DATES,
    "max": NUMERIC | DATES,
}


def test_every_field_is_usable_in_real_indices(es_store_factory: Callable[..., Any]) -> None:
    store = es_store_factory()
    now = datetime.now(UTC)
    store.write_records(
        [
            CallRecord(request_id="dash-1", timestamp=now, model="deepseek-v4-flash"),
            Conversation(
                request_id="dash-1", timestamp=now, model="deepseek-v4-flash", messages=[]
            ),
            Feedback(request_id="dash-1", timestamp=now, score=1.0, satisfied=True),
        ]
    )
    uses = list(field_uses())
    problems = []
    by_view: dict[str, set[str]] = {}
    for use in uses:
        by_view.setdefault(use.data_view, set()).add(use.field)
    caps: dict[str, dict[str, Any]] = {}
    for title, fields in by_view.items():
        index = store.prefix + title.removeprefix("sentinel")
        answer = store.client.field_caps(index=index, fields=sorted(fields))
        assert answer["indices"], f"no index matches {index}"
        caps[title] = answer["fields"]
    for use in uses:
        entry = caps[use.data_view].get(use.field)
        if not entry:
            problems.append(f"{use.source}: {use.field} not in {use.data_view}")
            continue
        (kind, info), *conflicts = entry.items()
        if conflicts:
            problems.append(f"{use.field}: conflicting types {sorted(entry)}")
        if use.use in AGGREGATIONS and not info["aggregatable"]:
            problems.append(f"{use.source}: {use.field} is not aggregatable ({use.use})")
        if use.use == "query" and not info["searchable"]:
            problems.append(f"{use.source}: {use.field} is not searchable")
        if use.use in NEEDS_TYPE and kind not in NEEDS_TYPE[use.use]:
            problems.append(f"{use.source}: {use.use} on {use.field} of type {kind}")
    assert problems == []
    assert {u.use for u in uses} >= {"date_histogram", "terms", "percentile", "query"}
