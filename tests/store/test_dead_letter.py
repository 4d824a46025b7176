"""The dead-letter file on its own: what a subject's purge keeps and drops, and who can
read it (it holds raw records)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sentinel.store.dead_letter import DeadLetterFile


def line(request_id: str, **record: str) -> dict[str, object]:
    return {"reason": "mapper_parsing_exception", "record": {"request_id": request_id, **record}}


def test_purge_drops_the_subjects_lines_and_unreadable_ones_only(tmp_path: Path) -> None:
    dead = DeadLetterFile(tmp_path / "dl" / "elasticsearch.jsonl")
    dead.append(line("a", subject_key="k1"))
    dead.append(line("b", subject_id="user-1", subject_key="k-other-form"))
    dead.append(line("c", subject_key="k2"))
    with dead.path.open("a") as f:
        f.write('{"record": {"request_id": "torn", "subject_id": "us')  # a crash mid-append
    assert [r["request_id"] for r in dead.iter_subject("user-1", "k1")] == ["a", "b"]

    assert dead.purge_subject("user-1", "k1") == 2
    assert [json.loads(t)["record"]["request_id"] for t in dead.path.read_text().splitlines()] == [
        "c"
    ]
    assert stat.S_IMODE(dead.path.stat().st_mode) == 0o600
    assert dead.purge_subject("user-1", "k1") == 0
    assert list(dead.iter_subject(None, "k2")) == [{"request_id": "c", "subject_key": "k2"}]


def test_a_missing_file_holds_nothing(tmp_path: Path) -> None:
    dead = DeadLetterFile(tmp_path / "never-written.jsonl")
    assert list(dead.iter_subject("user-1", "k1")) == []
    assert dead.purge_subject("user-1", "k1") == 0
    assert not dead.path.exists()
