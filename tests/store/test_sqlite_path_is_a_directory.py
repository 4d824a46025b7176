"""A store URL that names an existing directory by mistake (`sqlite:////tmp`): the store
refuses it with an error naming the path and leaves the directory's permissions alone.
It used to tighten "the database" to 0600, which, being a directory, became unreadable
to everyone else (it happened to this machine's /tmp, and Elasticsearch could no longer
start)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sentinel.store.base import StoreUnavailable
from sentinel.store.sqlite import SQLiteStore


def test_a_directory_as_the_database_keeps_its_mode_and_is_a_clear_error(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    with pytest.raises(StoreUnavailable, match=str(shared)):
        SQLiteStore(shared).setup()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
