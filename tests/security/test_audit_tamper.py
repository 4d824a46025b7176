"""The audit log against an insider who can write the store (but not read the audit
key): every tampering the issue lists is found by the real `sentinel audit verify`
(exit 1, "BROKEN at seq N", no traceback), and the signed bundle verifies offline."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.models import AuditEntry
from sentinel.store.sqlite import SQLiteStore

SENTINEL = str(Path(sys.executable).with_name("sentinel"))


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SENTINEL_STORE": f"sqlite:///{tmp_path / 'audit.db'}",
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
    }


@pytest.fixture
def db(env: dict[str, str], tmp_path: Path) -> sqlite3.Connection:
    """Five real entries (written through the service), then a raw connection: the
    insider's tool."""
    store = SQLiteStore(tmp_path / "audit.db")
    store.setup()
    audit = Compliance.build(store, Settings()).audit
    for i in range(5):
        audit.append("officer", "erasure.completed", subject_key=f"{i:064x}", counts={"n": i})
    store.close()
    return sqlite3.connect(tmp_path / "audit.db", isolation_level=None)


def sentinel(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SENTINEL, *args], env=env, capture_output=True, text=True, timeout=60)


def _entries(db: sqlite3.Connection) -> list[AuditEntry]:
    rows = db.execute("SELECT doc FROM audit ORDER BY seq").fetchall()
    return [AuditEntry.model_validate_json(doc) for (doc,) in rows]


def _sha256(entry: AuditEntry) -> str:
    """What the old unkeyed chain used: anyone can compute it."""
    body = entry.model_dump(mode="json", exclude={"hash"})
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _broken_at(env: dict[str, str], seq: int) -> str:
    result = sentinel(env, "audit", "verify")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"BROKEN at seq {seq}" in result.stdout, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_an_intact_log_verifies(env: dict[str, str], db: sqlite3.Connection) -> None:
    result = sentinel(env, "audit", "verify")
    assert result.returncode == 0 and "intact: 5 entries" in result.stdout, result


def test_forged_append_with_a_valid_hash(env: dict[str, str], db: sqlite3.Connection) -> None:
    last = _entries(db)[-1]
    forged = last.model_copy(update={"seq": 6, "prev_hash": last.hash, "actor": "insider"})
    forged = forged.model_copy(update={"hash": _sha256(forged)})
    db.execute("INSERT INTO audit VALUES (?, ?)", (6, forged.model_dump_json()))
    assert "hash does not match" in _broken_at(env, 6)


def test_tail_truncation_with_the_store_head_rewound(
    env: dict[str, str], db: sqlite3.Connection
) -> None:
    db.execute("DELETE FROM audit WHERE seq >= 4")
    db.execute("DELETE FROM state WHERE key = 'audit:head'")  # whatever the store kept
    assert "missing" in _broken_at(env, 4)


def test_full_rechain(env: dict[str, str], db: sqlite3.Connection) -> None:
    prev = "0" * 64
    for entry in _entries(db):
        fake = entry.model_copy(update={"prev_hash": prev, "actor": "insider"})
        fake = fake.model_copy(update={"hash": _sha256(fake)})
        db.execute("UPDATE audit SET doc = ? WHERE seq = ?", (fake.model_dump_json(), entry.seq))
        prev = fake.hash
    assert "hash does not match" in _broken_at(env, 1)


def test_wipe_of_log_and_store_head(env: dict[str, str], db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM audit")
    db.execute("DELETE FROM state WHERE key LIKE 'audit%'")
    assert "missing" in _broken_at(env, 1)


def test_unparsable_entry_is_reported_by_seq(env: dict[str, str], db: sqlite3.Connection) -> None:
    db.execute("UPDATE audit SET doc = '{not json' WHERE seq = 3")
    assert "not parsable" in _broken_at(env, 3)


def test_an_entry_beyond_the_anchored_head(
    env: dict[str, str], db: sqlite3.Connection, tmp_path: Path
) -> None:
    head = Settings().data_dir / "audit.head"
    lines = head.read_text().splitlines()
    head.write_text("\n".join(lines[:-1]) + "\n")  # the anchor lost its last line
    assert "beyond the anchored head" in _broken_at(env, 5)


def test_a_deleted_head_file_is_reported_and_blocks_appends(
    env: dict[str, str], db: sqlite3.Connection
) -> None:
    (Settings().data_dir / "audit.head").unlink()
    result = sentinel(env, "audit", "verify")
    assert result.returncode == 1 and "audit.head" in result.stdout, result
    created = sentinel(env, "tokens", "create", "--name", "x", "--scope", "proxy")
    assert created.returncode != 0 and "Traceback" not in created.stderr


def test_a_missing_key_file_is_an_error_never_a_new_key(
    env: dict[str, str], db: sqlite3.Connection, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "audit.key"
    result = sentinel({**env, "SENTINEL_AUDIT_KEY_FILE": str(missing)}, "audit", "verify")
    assert result.returncode == 1 and "SENTINEL_AUDIT_KEY_FILE" in result.stderr, result
    assert "Traceback" not in result.stderr and not missing.exists()


def test_another_key_sees_every_entry_as_forged(
    env: dict[str, str], db: sqlite3.Connection
) -> None:
    result = sentinel({**env, "SENTINEL_AUDIT_KEY": "another-key-0123456789"}, "audit", "verify")
    assert result.returncode == 1 and "BROKEN" in result.stdout  # the anchor's MACs first
    assert "forged" in result.stdout, result.stdout


def test_signed_bundle_verifies_offline_and_detects_edits(
    env: dict[str, str], db: sqlite3.Connection, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.json"
    exported = sentinel(env, "audit", "export", "-o", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert oct(bundle.stat().st_mode & 0o777) == "0o600"
    key = (Settings().data_dir / "audit.key").read_text()
    # Offline: no store at all, only the key.
    offline = {k: v for k, v in env.items() if k != "SENTINEL_STORE"}
    offline["SENTINEL_AUDIT_KEY"] = key
    offline["XDG_DATA_HOME"] = str(tmp_path / "elsewhere")
    ok = sentinel(offline, "audit", "verify-bundle", str(bundle))
    assert ok.returncode == 0 and "intact: 5 entries" in ok.stdout, ok
    doc = json.loads(bundle.read_text())
    doc["entries"][2]["counts"] = {"n": 99}
    bundle.write_text(json.dumps(doc))
    bad = sentinel(offline, "audit", "verify-bundle", str(bundle))
    assert bad.returncode == 1 and "signature" in bad.stdout, bad
    wrong = sentinel({**offline, "SENTINEL_AUDIT_KEY": "x" * 32}, "audit", "verify-bundle",
                     str(bundle))  # fmt: skip
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr


def test_every_entry_is_announced_as_an_ecs_line_with_its_hash(
    env: dict[str, str], db: sqlite3.Connection
) -> None:
    created = sentinel(env, "tokens", "create", "--name", "ops", "--scope", "proxy")
    assert created.returncode == 0, created.stderr
    lines = [json.loads(x) for x in created.stderr.splitlines() if x.startswith("{")]
    [line] = [x for x in lines if x.get("log", {}).get("logger") == "sentinel.audit"]
    last = _entries(db)[-1]
    assert line["sentinel"]["audit"] == {"seq": last.seq, "hash": last.hash}
    assert line["event"]["action"] == "token.created"
