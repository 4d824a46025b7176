"""docs/architecture.md stays true: its layer table places every top-level module and
package of `sentinel/`, and every module it names exists (a rename or a split that
forgets the map fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "sentinel"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _layer_table() -> str:
    start = DOC.index("| layer |")
    return DOC[start : DOC.index("\n\n", start)]


def test_the_layer_table_places_every_top_level_module_and_package() -> None:
    table = set(re.findall(r"`([^`]+)`", _layer_table()))
    missing = []
    for path in sorted(SRC.iterdir()):
        if path.suffix == ".py" and path.name != "__init__.py":
            name = path.name
            if name not in table and not any(
                "*" in t and re.fullmatch(t.replace("*", ".*"), name) for t in table
            ):
                missing.append(name)
        elif (path / "__init__.py").exists() and f"{path.name}/" not in table:
            missing.append(f"{path.name}/")
    assert not missing, f"not in the layer table of docs/architecture.md: {missing}"


def test_every_module_the_map_names_exists() -> None:
    files = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}
    named = {n for n in re.findall(r"`([\w./*]+\.py)`", DOC) if "*" not in n}
    gone = sorted(
        n
        for n in named
        if not (ROOT / n).exists()
        and n.removeprefix("sentinel/") not in files
        and not any(f == n or f.endswith("/" + n) for f in files)
    )
    assert not gone, f"docs/architecture.md names modules that do not exist: {gone}"
