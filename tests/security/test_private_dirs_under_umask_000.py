"""Under `umask 000` the parents Sentinel creates for its private files came out 0777
(`Path.mkdir(mode=0o700, parents=True)` applies the mode to the last component only,
and the exports and dead-letter directories had no mode at all): any local user could
rename the data directory away and plant another audit key and head, or pre-create an
export's `.part` file as a symlink. Run in a child process, so the umask is real and
this process's stays as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import os, sys
from pathlib import Path
os.umask(0)
root = Path(sys.argv[1])
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.dead_letter import DeadLetterFile
from sentinel.store.sqlite import SQLiteStore
store = SQLiteStore(root / "a" / "b" / "sentinel.db")
store.setup()
Compliance.build(store, Settings()).tokens.create("t", ["admin"])  # audit key, head
Settings().subject_secret_bytes()  # the subject key file
with DeadLetterFile(root / "dl" / "x" / "dead.jsonl")._locked():
    pass
store.close()
"""


def test_every_directory_sentinel_creates_is_0700_under_umask_000(tmp_path: Path) -> None:
    data = tmp_path / "xdg" / "nested"
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    env.pop("SENTINEL_SUBJECT_KEY", None)
    subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], env=env, check=True, timeout=120)
    created = [tmp_path / "a", tmp_path / "a" / "b", tmp_path / "dl", tmp_path / "dl" / "x",
               tmp_path / "xdg", data, data / "deepseek-sentinel"]  # fmt: skip
    modes = {str(d.relative_to(tmp_path)): oct(d.stat().st_mode & 0o777) for d in created}
    assert set(modes.values()) == {"0o700"}, modes
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o077 == 0 for p in files), [
        (str(p), oct(p.stat().st_mode)) for p in files
    ]
