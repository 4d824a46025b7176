"""What the built artifacts hold against what the code opens at run time. The issue this
guards: `sentinel/rules/builtin` was a symlink that package-data did not follow, so a
wheel had no rules and `sentinel serve` exited 2."""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

from sentinel.api.routers.status import _STATIC
from sentinel.client import catalogue, prices
from sentinel.dashboards import DEFAULT_DIR
from sentinel.rules.loader import BUILTIN_RULES
from sentinel.store import schema

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "sentinel"


def _tracked(path: str) -> list[tuple[str, str]]:
    """(mode, path) of every file git tracks under `path`."""
    out = subprocess.run(
        ["git", "ls-files", "-s", path], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return [(line.split()[0], line.split("\t", 1)[1]) for line in out.splitlines()]


def opened_by_the_code() -> set[str]:
    """Package-relative paths the code reads, resolved through the code's own names."""
    files = {p for p in BUILTIN_RULES.glob("*.yml")} | set((BUILTIN_RULES / "tests").glob("*.yml"))
    files |= set(DEFAULT_DIR.glob("*.ndjson"))
    files |= {PACKAGE / "store" / "templates" / f"{name}.json" for name in schema.TEMPLATES}
    files |= {PACKAGE / "api" / "static" / name for name in ("index.html", *_STATIC)}
    files |= {PACKAGE / "client" / name for name in (catalogue.SHIPPED, prices.SHIPPED)}
    return {f"sentinel/{f.relative_to(PACKAGE).as_posix()}" for f in files}


def _wheel(dist: Path) -> zipfile.ZipFile:
    (wheel,) = dist.glob("*.whl")
    return zipfile.ZipFile(wheel)


def test_the_package_source_has_no_symlink() -> None:
    links = [path for mode, path in _tracked("sentinel") if mode == "120000"]
    assert links == [], "package-data does not follow symlinks into a wheel"


def test_what_the_code_opens_exists_and_is_tracked() -> None:
    opened = opened_by_the_code()
    tracked = {path for _, path in _tracked("sentinel")}
    assert len(opened) >= 12  # rules, rule tests, dashboards, 7 templates, page assets
    assert sorted(opened - tracked) == []


def test_the_wheel_holds_every_file_the_code_opens(dist: Path) -> None:
    names = set(_wheel(dist).namelist())
    assert sorted(opened_by_the_code() - names) == []


def test_the_wheel_holds_every_data_file_of_the_package(dist: Path) -> None:
    """Any non-Python file committed under sentinel/ is there to be read at run time."""
    data = {path for _, path in _tracked("sentinel") if not path.endswith(".py")}
    names = set(_wheel(dist).namelist())
    assert sorted(data - names) == []
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "rules/"))]


def test_the_sdist_rebuilds_the_same_package(dist: Path) -> None:
    """`python -m build` makes the wheel from the sdist, so a file missing from the sdist
    is missing from the wheel; this names the sdist as the culprit."""
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md"} <= names
    assert sorted(opened_by_the_code() - names) == []


def test_the_installed_package_opens_its_own_files(venv: Path) -> None:
    """The same names resolved inside the installed wheel point into its site-packages,
    never back into this checkout, and every file reads."""
    probe = """
import json, sentinel
from sentinel.dashboards import DEFAULT_DIR
from sentinel.rules.loader import BUILTIN_RULES, load_rules
from sentinel.store import schema
from sentinel.api.routers.status import _asset, _STATIC
rules = load_rules([BUILTIN_RULES])
templates = [schema.load_template(n, "sentinel") for n in schema.TEMPLATES]
assets = [len(_asset(n)) for n in ("index.html", *_STATIC)]
from sentinel.client import catalogue, prices
print(json.dumps({
    "package": sentinel.__file__,
    "rule_files": [str(p) for p in rules.files],
    "rules": sum(len(g.rules) for g in rules.groups),
    "dashboards": [str(p) for p in sorted(DEFAULT_DIR.glob("*.ndjson"))],
    "templates": len(templates),
    "assets": assets,
    "models": len(catalogue.load().models),
    "prices": len(prices.load().rows),
}))
"""
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", probe],
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    site = Path(found["package"]).parent
    assert site.is_relative_to(venv) and not site.is_relative_to(REPO)
    assert found["rule_files"] and found["rules"] > 0
    assert found["dashboards"] and found["templates"] == len(schema.TEMPLATES)
    assert all(n > 0 for n in found["assets"])
    assert found["models"] > 0 and found["prices"] > 0
    for path in found["rule_files"] + found["dashboards"]:
        assert Path(path).is_relative_to(site), path
