"""The head file replaced by something that is not one: a directory or a symlink to
/dev/null in its place, with the store's log wiped, verified as "intact: 0 entries"
(taken for a log never begun); a head line with `"seq": Infinity` ended verify with
a bare "cannot convert float infinity" instead of naming the damaged line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    store = SQLiteStore(tmp_path / "audit.db")
    store.setup()
    audit = Compliance.build(store, Settings()).audit
    for i in range(3):
        audit.append("officer", "erasure.completed", counts={"n": i})
    store.close()
    return {**os.environ, "SENTINEL_STORE": f"sqlite:///{tmp_path / 'audit.db'}"}


def _verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SENTINEL, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60
    )


def _wipe_log(env: dict[str, str]) -> None:
    with sqlite3.connect(env["SENTINEL_STORE"].removeprefix("sqlite:///")) as db:
        db.execute("DELETE FROM audit")


@pytest.mark.parametrize("replacement", ["directory", "symlink to /dev/null"])
def test_a_head_file_replaced_by_a_non_file_is_reported(
    env: dict[str, str], replacement: str
) -> None:
    head = Settings().data_dir / "audit.head"
    _wipe_log(env)
    head.unlink()
    if replacement == "directory":
        head.mkdir()
    else:
        head.symlink_to("/dev/null")
    result = _verify(env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_head_line_with_an_infinite_seq_is_named_damaged(env: dict[str, str]) -> None:
    head = Settings().data_dir / "audit.head"
    with head.open("a") as f:
        f.write('{"seq": Infinity, "hash": "00", "mac": "00"}\n')
    result = _verify(env)
    assert result.returncode == 1
    assert "line 4 is damaged" in result.stdout + result.stderr, result.stdout + result.stderr


def test_a_head_file_symlinked_to_a_shared_file_still_verifies(
    env: dict[str, str], tmp_path: Path
) -> None:
    head = Settings().data_dir / "audit.head"
    shared = tmp_path / "shared-volume-head"
    shared.write_bytes(head.read_bytes())
    head.unlink()
    head.symlink_to(shared)
    result = _verify(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact: 3 entries" in result.stdout
