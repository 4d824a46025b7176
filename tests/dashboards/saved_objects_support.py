"""The shipped saved objects and every field they use, shared by the static checks and
the check against a real Elasticsearch."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sentinel.dashboards import DEFAULT_DIR

FILES = sorted(DEFAULT_DIR.glob("*.ndjson"))
OBJECTS: list[dict[str, Any]] = [
    json.loads(line) for path in FILES for line in path.read_text().splitlines() if line.strip()
]
BY_KEY = {(o["type"], o["id"]): o for o in OBJECTS}
KQL_FIELD = re.compile(r"([A-Za-z@_][\w.@]*)\s*:")


@dataclass(frozen=True)
class FieldUse:
    """One field one saved object needs: `use` is a Lens operation, or "query" (KQL),
    "column" or "sort" (the saved search)."""

    source: str
    data_view: str  # the data view's title (index pattern)
    field: str
    use: str


def of_type(kind: str) -> list[dict[str, Any]]:
    return [o for o in OBJECTS if o["type"] == kind]


def lens_layers(lens: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]


def layer_data_view(lens: dict[str, Any], layer_id: str) -> str:
    """Id of the data view a Lens layer reads (through its saved-object reference)."""
    name = f"indexpattern-datasource-layer-{layer_id}"
    (ref,) = [r for r in lens["references"] if r["name"] == name]
    assert ref["type"] == "index-pattern"
    return ref["id"]


def data_view_title(data_view_id: str) -> str:
    return BY_KEY[("index-pattern", data_view_id)]["attributes"]["title"]


def _kql(source: str, title: str, query: str) -> Iterator[FieldUse]:
    for field in KQL_FIELD.findall(query):
        yield FieldUse(source, title, field, "query")


def field_uses() -> Iterator[FieldUse]:
    for lens in of_type("lens"):
        state = lens["attributes"]["state"]
        for layer_id, layer in lens_layers(lens).items():
            title = data_view_title(layer_data_view(lens, layer_id))
            yield from _kql(lens["id"], title, state["query"]["query"])
            for column_id, column in layer["columns"].items():
                source = f"{lens['id']}/{column_id}"
                field = column.get("sourceField")
                if field and field != "___records___":
                    yield FieldUse(source, title, field, column["operationType"])
                yield from _kql(source, title, (column.get("filter") or {}).get("query", ""))
                if column["operationType"] == "formula":
                    for kql in re.findall(r"kql='([^']*)'", column["params"]["formula"]):
                        yield from _kql(source, title, kql)
    for search in of_type("search"):
        (ref,) = search["references"]
        title = data_view_title(ref["id"])
        for field in search["attributes"]["columns"]:
            yield FieldUse(search["id"], title, field, "column")
        for field, _direction in search["attributes"]["sort"]:
            yield FieldUse(search["id"], title, field, "sort")
    for view in of_type("index-pattern"):
        title = view["attributes"]["title"]
        yield FieldUse(view["id"], title, view["attributes"]["timeFieldName"], "date_histogram")
