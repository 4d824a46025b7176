"""Another version of the `sentinel` package in the same process, for before/after runs.

On this shared 2-core machine two runs minutes apart differ by more than most changes
are worth, so a benchmark compares versions in one process, in interleaved rounds: this
extracts the package as it is at a git ref (`git archive`) into a temporary directory
under another import name and rewrites its own import statements to that name. Data
files are read through `importlib.resources` by the installed package's name, so both
versions read the working tree's data (rules, prices, templates): only code differs.
"""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
_IMPORT = re.compile(r"^(\s*)(from|import) sentinel(?=[\s.])", re.MULTILINE)


def package_at(ref: str, name: str = "sentinel_base") -> ModuleType:
    """The `sentinel` package at git `ref`, imported as `name`."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", ref, "sentinel"],
        capture_output=True,
        check=True,
    ).stdout
    root = Path(tempfile.mkdtemp(prefix="sentinel-baseline-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    (root / "sentinel").rename(root / name)
    for source in (root / name).rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        source.write_text(_IMPORT.sub(rf"\1\2 {name}", text), encoding="utf-8")
    sys.path.insert(0, str(root))
    return importlib.import_module(name)
