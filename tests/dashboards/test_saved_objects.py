"""dashboards/*.ndjson as Kibana's import would see it, checked without Kibana: each line a
saved object of a known type and plausible migration version, ids unique, references
resolved, Lens state internally consistent, and every field a panel or search uses
present in Sentinel's index templates with a type its operation can aggregate."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from saved_objects_support import (
    BY_KEY,
    FILES,
    OBJECTS,
    FieldUse,
    data_view_title,
    field_uses,
    layer_data_view,
    lens_layers,
    of_type,
)

from sentinel.dashboards import read_saved_objects
from sentinel.store.schema import TEMPLATES, load_template

TYPES = {"index-pattern", "lens", "dashboard", "search"}
INTERNAL_INDICES = {"state", "cache"}  # leases, tokens; cached content: nothing to chart

NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
DATE = {"date", "date_nanos"}
# Lens operation -> the mapping types it can aggregate.
OPERATION_TYPES = {
    "date_histogram": DATE,
    "terms": {"keyword"},
    "average": NUMERIC,
    "sum": NUMERIC,
    "median": NUMERIC,
    "percentile": NUMERIC,
    "min": NUMERIC | DATE,
    "max": NUMERIC | DATE,
    "unique_count": NUMERIC | DATE | {"keyword", "boolean"},
    "last_value": NUMERIC | DATE | {"keyword", "boolean"},
}


def _fields(properties: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict]]:
    for name, spec in properties.items():
        if "properties" in spec:
            yield from _fields(spec["properties"], f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", spec


# index pattern -> {field: mapping}
MAPPINGS = {
    load_template(name, "sentinel")["index_patterns"][0]: dict(
        _fields(load_template(name, "sentinel")["template"]["mappings"]["properties"])
    )
    for name in TEMPLATES
}


def _field_type(mapping: dict[str, dict], field: str) -> str:
    """The mapping type of `field`; a key under a flattened field is a keyword."""
    if field in mapping:
        spec = mapping[field]
        assert spec.get("enabled", True) and spec.get("index", True), (
            f"{field} is stored but not indexed: it cannot be queried or aggregated"
        )
        return spec.get("type", "object")
    parent = next((f for f in mapping if field.startswith(f + ".")), None)
    assert parent and mapping[parent].get("type") == "flattened", f"{field}: no such field"
    return "keyword"


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return json.loads(dashboard["attributes"]["panelsJSON"])


def test_there_are_dashboard_files_and_the_import_command_accepts_them() -> None:
    assert FILES
    assert read_saved_objects(FILES).count(b"\n") == len(OBJECTS)


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: f"{o['type']}/{o['id']}")
def test_each_line_is_a_saved_object(obj: dict[str, Any]) -> None:
    assert obj["type"] in TYPES
    assert re.fullmatch(r"sentinel-[a-z0-9-]+", obj["id"])
    assert isinstance(obj["attributes"], dict) and obj["attributes"].get("title")
    assert isinstance(obj["references"], list)
    for ref in obj["references"]:
        assert set(ref) == {"type", "id", "name"}
    # Kibana 8.x exports carry coreMigrationVersion 8.8.0 and a per-type version; one
    # newer than the running Kibana is refused on import, so stay at or below 8.19's.
    assert obj["coreMigrationVersion"] == "8.8.0"
    assert re.fullmatch(r"\d+\.\d+\.\d+", obj["typeMigrationVersion"])
    major = int(obj["typeMigrationVersion"].split(".")[0])
    assert major in (8, 10)
    for key in ("panelsJSON", "optionsJSON"):
        if key in obj["attributes"]:
            json.loads(obj["attributes"][key])
    meta = obj["attributes"].get("kibanaSavedObjectMeta")
    if meta:
        json.loads(meta["searchSourceJSON"])


def test_ids_are_unique() -> None:
    keys = [(o["type"], o["id"]) for o in OBJECTS]
    assert len(keys) == len(set(keys))
    ids = [o["id"] for o in OBJECTS]
    assert len(ids) == len(set(ids)), "ids are unique across types too, to stay greppable"


def test_every_reference_resolves() -> None:
    for obj in OBJECTS:
        names = [r["name"] for r in obj["references"]]
        assert len(names) == len(set(names)), obj["id"]
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in BY_KEY, f"{obj['id']} -> {ref}"


def test_one_data_view_per_sentinel_index() -> None:
    views = {o["attributes"]["title"]: o for o in of_type("index-pattern")}
    expected = {
        load_template(n, "sentinel")["index_patterns"][0]
        for n in TEMPLATES
        if n not in INTERNAL_INDICES
    }
    assert set(views) == expected
    for title, view in views.items():
        time_field = view["attributes"]["timeFieldName"]
        assert MAPPINGS[title][time_field]["type"] in DATE


@pytest.mark.parametrize("use", list(field_uses()), ids=lambda u: f"{u.source}:{u.field}")
def test_every_field_exists_with_a_compatible_type(use: FieldUse) -> None:
    kind = _field_type(MAPPINGS[use.data_view], use.field)
    if use.use in OPERATION_TYPES:
        assert kind in OPERATION_TYPES[use.use], f"{use.use} on {use.field} ({kind})"
    elif use.use == "sort":
        assert kind in DATE | NUMERIC | {"keyword"}


@pytest.mark.parametrize("lens", of_type("lens"), ids=lambda o: o["id"])
def test_lens_state_is_consistent(lens: dict[str, Any]) -> None:
    """Every accessor names a column of its layer, every column is in columnOrder, and
    every layer has its data view reference (what Lens needs to render after import)."""
    layers = lens_layers(lens)
    for layer_id, layer in layers.items():
        assert set(layer["columnOrder"]) == set(layer["columns"]), layer_id
        for column in layer["columns"].values():
            for ref in column.get("references", []):
                assert ref in layer["columns"]
        layer_data_view(lens, layer_id)
    assert len(lens["references"]) == len(layers)
    vis = lens["attributes"]["state"]["visualization"]
    vis_layers = vis.get("layers", [vis])
    for vis_layer in vis_layers:
        columns = layers[vis_layer["layerId"]]["columns"]
        accessors = list(vis_layer.get("accessors", []))
        for key in ("metricAccessor", "secondaryMetricAccessor", "xAccessor", "splitAccessor"):
            if key in vis_layer:
                accessors.append(vis_layer[key])
        accessors += [c["columnId"] for c in vis_layer.get("columns", [])]
        assert accessors and set(accessors) <= set(columns), vis_layer["layerId"]


def test_request_explorer_columns_exist_in_the_calls_index() -> None:
    (search,) = of_type("search")
    (ref,) = search["references"]
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["indexRefName"] == ref["name"]
    assert data_view_title(ref["id"]) == "sentinel-calls-*"
    columns = search["attributes"]["columns"]
    wanted = {
        "sentinel.request_id",
        "event.outcome",
        "http.response.status_code",
        "sentinel.duration_ms",
        "gen_ai.request.model",
        "gen_ai.request.temperature",
        "gen_ai.request.max_tokens",
    }
    assert wanted <= set(columns)


def test_dashboard_panels_resolve_and_do_not_overlap() -> None:
    for dashboard in of_type("dashboard"):
        panels = _panels(dashboard)
        refs = {r["name"]: r for r in dashboard["references"]}
        cells: set[tuple[int, int]] = set()
        for panel in panels:
            index = panel["panelIndex"]
            assert panel["gridData"]["i"] == index
            ref = refs.pop(f"{index}:{panel['panelRefName']}")
            assert ref["type"] == panel["type"]
            g = panel["gridData"]
            assert g["x"] >= 0 and g["x"] + g["w"] <= 48 and g["w"] > 0 and g["h"] > 0
            xs, ys = range(g["x"], g["x"] + g["w"]), range(g["y"], g["y"] + g["h"])
            area = {(x, y) for x in xs for y in ys}
            assert not cells & area, f"panel {index} overlaps another"
            cells |= area
        assert not refs, f"references no panel uses: {sorted(refs)}"


def _overview_lens() -> list[dict[str, Any]]:
    (dashboard,) = [d for d in of_type("dashboard") if d["id"] == "sentinel-overview"]
    return [BY_KEY[(r["type"], r["id"])] for r in dashboard["references"] if r["type"] == "lens"]


def _columns(lens: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for layer in lens_layers(lens).values() for c in layer["columns"].values()]


def _find(predicate: Any) -> list[dict[str, Any]]:
    return [lens for lens in _overview_lens() if predicate(_columns(lens), lens)]


def _has(columns: list[dict], op: str, field: str | None = None, **params: Any) -> bool:
    return any(
        c["operationType"] == op
        and (field is None or c.get("sourceField") == field)
        and all(c.get("params", {}).get(k) == v for k, v in params.items())
        for c in columns
    )


def test_overview_shows_the_operators_metrics() -> None:
    """The guide's list, each checked by what the panel computes, not by its title."""

    def formula_on(text: str) -> Any:
        return lambda cols, _: any(text in c.get("params", {}).get("formula", "") for c in cols)

    # success rate; error rate against the 5% threshold
    assert _find(formula_on('event.outcome : "success"'))
    assert _find(
        lambda cols, lens: (
            formula_on('event.outcome : "failure"')(cols, lens)
            and _has(cols, "static_value", value="0.05")
        )
    )
    # average and p95 latency against the 800 ms target
    assert _find(
        lambda cols, _: (
            _has(cols, "average", "sentinel.duration_ms")
            and _has(cols, "percentile", "sentinel.duration_ms", percentile=95)
            and _has(cols, "static_value", value="800")
        )
    )
    # requests per minute by model
    assert _find(
        lambda cols, _: (
            _has(cols, "terms", "gen_ai.request.model")
            and any(c["operationType"] == "count" and c.get("timeScale") == "m" for c in cols)
        )
    )
    # retries, failovers, breaker
    assert _find(
        lambda cols, _: (
            _has(cols, "sum", "sentinel.retries")
            and _has(cols, "sum", "sentinel.failovers")
            and any(
                "sentinel.circuit_open" in (c.get("filter") or {}).get("query", "") for c in cols
            )
        )
    )
    # token usage
    assert _find(
        lambda cols, _: (
            _has(cols, "sum", "gen_ai.usage.input_tokens")
            and _has(cols, "sum", "gen_ai.usage.output_tokens")
        )
    )
    # quality score and satisfaction
    assert _find(
        lambda cols, lens: (
            _has(cols, "average", "sentinel.feedback.score")
            and formula_on("sentinel.feedback.satisfied")(cols, lens)
        )
    )
    # alerts: state per rule
    assert _find(
        lambda cols, _: (
            _has(cols, "terms", "rule.name") and _has(cols, "last_value", "sentinel.alert.state")
        )
    )
    # anonymization backlog: the oldest conversation not yet anonymized
    backlog = _find(lambda cols, _: _has(cols, "min", "@timestamp"))
    assert [lens["attributes"]["state"]["query"]["query"] for lens in backlog] == [
        "NOT sentinel.anonymized_at : *"
    ]
    assert layer_data_view(backlog[0], next(iter(lens_layers(backlog[0])))) == (
        "sentinel-dv-conversations"
    )


def test_overview_has_the_request_explorer() -> None:
    (dashboard,) = [d for d in of_type("dashboard") if d["id"] == "sentinel-overview"]
    assert ("search", "sentinel-search-requests") in {
        (r["type"], r["id"]) for r in dashboard["references"]
    }


def test_the_field_check_catches_a_wrong_field() -> None:
    """Guard: the checks above would fail on a renamed or mistyped field."""
    calls = MAPPINGS["sentinel-calls-*"]
    with pytest.raises(AssertionError):
        _field_type(calls, "sentinel.duration")
    assert _field_type(calls, "gen_ai.request.model") not in OPERATION_TYPES["average"]
    assert _field_type(calls, "labels.team") == "keyword"  # flattened sub-key
    with pytest.raises(AssertionError):
        _field_type(MAPPINGS["sentinel-conversations"], "gen_ai.input.messages")
