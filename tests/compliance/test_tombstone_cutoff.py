"""Tombstones with cut-offs on a real SQLite store: old tombstones keep hiding everything
until `sentinel gdpr tombstones migrate` dates them from the audit log; `list`,
`prune` and `sentinel doctor` show which ones can go; the erasure's documents (status
endpoint, CLI output, audit entry) state the cut-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gdpr_data import OTHER, SUBJECT, key_of, records_for, write_all
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.clock import FakeClock
from sentinel.compliance.audit import AuditLog
from sentinel.config import Settings
from sentinel.doctor_tombstones import check_tombstones
from sentinel.models import CallRecord, Conversation
from sentinel.records.tombstones import Tombstones, close_tombstone, tombstone_key
from sentinel.store.sqlite import SQLiteStore

runner = CliRunner()
ERASED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEGACY = {"created_at": "2026-03-01T11:59:59+00:00"}  # what erasures wrote before cut-offs


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SQLiteStore:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{path}")
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))
    store = SQLiteStore(path)
    store.setup()
    return store


def _record(i: int, key: str, when: datetime) -> CallRecord:
    return CallRecord(request_id=f"r{i}", timestamp=when, model="m", subject_key=key)


def _kept(store: SQLiteStore, records: list[CallRecord]) -> list[str]:
    tombstones = Tombstones(store)
    tombstones.refresh()
    keep, _ = tombstones.split(records)
    return [r.request_id for r in keep if r.subject_key is not None]


def _legacy_erasure(store: SQLiteStore, subject_key: str, *, completed: bool) -> None:
    """An erasure as the earlier code left it: audit entries and a tombstone without time."""
    clock = FakeClock(ERASED_AT)
    audit = AuditLog.for_settings(store, Settings(), clock)
    audit.append("cli:dpo", "erasure.requested", subject_key=subject_key)
    clock.advance(2)
    if completed:
        audit.append("cli:dpo", "erasure.completed", subject_key=subject_key)
    store.set_state(tombstone_key(subject_key), LEGACY)


def test_migrate_dates_old_tombstones_from_the_audit_log(store: SQLiteStore) -> None:
    done, unfinished, unknown = key_of(SUBJECT), key_of(OTHER), "f" * 64
    _legacy_erasure(store, done, completed=True)
    _legacy_erasure(store, unfinished, completed=False)
    store.set_state(tombstone_key(unknown), LEGACY)  # e.g. the audit log was reset
    years_later = ERASED_AT + timedelta(days=400)
    returning = [_record(1, done, ERASED_AT), _record(2, done, years_later)]
    assert _kept(store, returning) == []  # an old tombstone hides the person for ever

    result = runner.invoke(app, ["gdpr", "tombstones", "migrate"])
    assert result.exit_code == 1, result.output  # two could not be dated
    assert "left unchanged: erasure unfinished" in result.output
    assert "left unchanged: no erasure of the subject in the audit" in result.output
    value = store.get_state(tombstone_key(done))
    assert value is not None
    cut_off = datetime.fromisoformat(value[0]["cut_off"])
    assert cut_off == ERASED_AT + timedelta(seconds=2) + Settings().erasure_clock_skew
    assert value[0]["migrated_from"]["action"] == "erasure.completed"
    assert store.get_state(tombstone_key(unfinished))[0] == LEGACY  # type: ignore[index]
    assert _kept(store, returning) == ["r2"]  # before the cut-off dropped, after it kept
    audit = AuditLog.for_settings(store, Settings())
    migrated = [e for e in audit.entries() if e.action == "tombstone.migrated"]
    assert [e.subject_key for e in migrated] == [done]
    assert audit.verify().ok

    again = runner.invoke(app, ["gdpr", "tombstones", "migrate"])
    assert "migrated 0 of 2" in again.output  # the dated one is not touched twice


def test_list_prune_and_doctor_show_what_can_go(store: SQLiteStore) -> None:
    now = datetime.now(UTC)
    old, fresh, legacy = key_of(SUBJECT), key_of(OTHER), "e" * 64
    close_tombstone(store, old, now - timedelta(days=45), timedelta(seconds=5))
    close_tombstone(store, fresh, now - timedelta(days=1), timedelta(seconds=5))
    store.set_state(tombstone_key(legacy), LEGACY)

    check = check_tombstones(Settings(), now)
    assert check.status == "warn"
    assert "3 tombstone(s)" in check.detail and "1 older than 30d" in check.detail
    assert old[:16] in check.detail and fresh[:16] not in check.detail
    assert "1 without a cut-off" in check.detail and legacy[:16] in check.detail
    assert "tombstones prune" in check.fix and "tombstones migrate" in check.fix
    assert check_tombstones(Settings(tombstone_retention="60d"), now).detail.count("older") == 0

    listed = runner.invoke(app, ["gdpr", "tombstones", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {r["subject_key"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert {k: (r["state"], r["removable"]) for k, r in rows.items()} == {
        old: ("closed", True),
        fresh: ("closed", False),
        legacy: ("unmigrated", False),
    }

    pruned = runner.invoke(app, ["gdpr", "tombstones", "prune"])
    assert pruned.exit_code == 0 and "removed 1 tombstone(s)" in pruned.output
    assert store.get_state(tombstone_key(old)) is None
    assert store.get_state(tombstone_key(fresh)) is not None
    removed = [
        e
        for e in AuditLog.for_settings(store, Settings()).entries()
        if e.action == "tombstone.removed"
    ]
    assert [e.subject_key for e in removed] == [old]
    store.set_state(tombstone_key(legacy), {**LEGACY, "cut_off": now.isoformat()})
    assert check_tombstones(Settings(), now).status == "ok"


def test_erasure_documents_state_the_cut_off(store: SQLiteStore, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sentinel.api.app import create_app
    from sentinel.api.state import api_state

    key = key_of(SUBJECT)
    write_all(store, records_for(SUBJECT, 3) + records_for(OTHER, 3))
    erased = runner.invoke(app, ["gdpr", "erase", SUBJECT, "--yes"])
    assert erased.exit_code == 0, erased.output
    tombstone = store.get_state(tombstone_key(key))
    assert tombstone is not None
    cut_off = tombstone[0]["cut_off"]
    assert f"cut-off {cut_off}" in erased.output
    completed = [
        e
        for e in AuditLog.for_settings(store, Settings()).entries()
        if e.action == "erasure.completed"
    ]
    assert completed[-1].details["cut_off"] == cut_off

    exported = runner.invoke(app, ["gdpr", "export", SUBJECT])
    document = json.loads(exported.stdout)
    assert document["erasure"] == {"cut_off": cut_off, "state": "closed"}
    assert document["records"] == []
    other = json.loads(runner.invoke(app, ["gdpr", "export", OTHER]).stdout)
    assert other["erasure"] is None and other["summary"]["total"] == 9

    api = create_app(store, Settings(), exports_dir=tmp_path / "exports")
    service = api_state(api).compliance
    token, _ = service.tokens.create("dpo", ["gdpr:erase"])
    service.erasures.settle = 0.1
    with TestClient(api) as client:
        headers = {"Authorization": f"Bearer {token}"}
        job = client.post("/v1/gdpr/erasures", json={"subject_id": SUBJECT}, headers=headers)
        assert job.status_code == 202, job.text
        status = client.get(f"/v1/gdpr/erasures/{job.json()['id']}", headers=headers).json()
    assert status["status"] == "completed"
    assert datetime.fromisoformat(status["cut_off"]) > datetime.fromisoformat(cut_off)


def test_conversations_follow_the_cut_off_without_an_anonymous_copy(store: SQLiteStore) -> None:
    """Conversations obey the same rule as calls (their own timestamp); only calls leave
    an anonymous copy behind."""
    key = key_of(SUBJECT)
    close_tombstone(store, key, ERASED_AT, timedelta(0))
    conv = [
        Conversation(request_id=f"c{i}", timestamp=ERASED_AT + timedelta(seconds=d),
                     model="m", messages=[], subject_id=SUBJECT, subject_key=key)
        for i, d in enumerate((-1, 0, 1))
    ]  # fmt: skip
    tombstones = Tombstones(store)
    tombstones.refresh()
    keep, erased = tombstones.split(conv)
    assert [c.request_id for c in keep] == ["c2"] and erased == 2  # no anonymous copy


def test_the_response_cache_follows_the_cut_off(
    store: SQLiteStore, tmp_path: Path, fake_deepseek: Any
) -> None:
    """A late answer from before the cut-off is not cached again for the erased subject;
    once the person comes back, their answers are cached (and reused) like anyone's."""
    from sentinel.client import Sentinel
    from sentinel.compliance.service import Compliance

    compliance = Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")
    key = compliance.subject_key(SUBJECT)
    done = compliance.erasures.run(compliance.erasures.request(SUBJECT, key, "t", None)["id"])
    assert done is not None
    cut_off = datetime.fromisoformat(done["cut_off"])
    request = {"model": "deepseek-v4-flash", "temperature": 0, "subject_id": SUBJECT,
               "messages": [{"role": "user", "content": "same question"}]}  # fmt: skip
    for offset, cached_after in ((-1, 0), (1, 1)):
        client = Sentinel(
            api_key=fake_deepseek.api_key, base_url=fake_deepseek.url, store=store, cache=True,
            clock=FakeClock(cut_off + timedelta(seconds=offset)),
            settings=Settings(spool_dir=tmp_path / f"spool{offset}"),
        )  # fmt: skip
        client.chat.completions.create(**request)
        client.flush()
        assert store.count("cache") == cached_after
        client.close()
    upstream = fake_deepseek.count()
    client = Sentinel(
        api_key=fake_deepseek.api_key, base_url=fake_deepseek.url, store=store, cache=True,
        clock=FakeClock(cut_off + timedelta(seconds=2)), settings=Settings(spool_dir=tmp_path),
    )  # fmt: skip
    client.chat.completions.create(**request)
    client.close()
    assert fake_deepseek.count() == upstream  # answered from the returning subject's entry


def test_an_answer_to_a_request_sent_before_the_erasure_is_not_cached(
    store: SQLiteStore, tmp_path: Path, fake_deepseek: Any
) -> None:
    """A slow call begun before the erasure whose answer arrives after the cut-off is
    still content from before the erasure: it must not be cached (with the raw id and
    the prompt) nor exported, like the call's own records, which carry its start."""
    import threading

    from sentinel.client import Sentinel
    from sentinel.compliance.export import iter_subject_records
    from sentinel.compliance.service import Compliance

    clock = FakeClock(ERASED_AT)  # the client's and the eraser's: settle sleeps on it
    compliance = Compliance.build(store, Settings(), clock=clock, exports_dir=tmp_path / "ex")
    key = compliance.subject_key(SUBJECT)
    client = Sentinel(
        api_key=fake_deepseek.api_key, base_url=fake_deepseek.url, store=store, cache=True,
        clock=clock, settings=Settings(spool_dir=tmp_path / "spool"),
    )  # fmt: skip
    fake_deepseek.set_latency(3.0)  # the erasure below runs while the call waits
    finished = threading.Event()

    def ask() -> None:
        client.chat.completions.create(
            model="deepseek-v4-flash", temperature=0, subject_id=SUBJECT,
            messages=[{"role": "user", "content": "asked before the erasure"}],
        )  # fmt: skip
        finished.set()

    call = threading.Thread(target=ask)
    call.start()
    while fake_deepseek.count() == 0:  # the request is at the upstream
        threading.Event().wait(0.01)
    done = compliance.erasures.run(compliance.erasures.request(SUBJECT, key, "t", None)["id"])
    assert done is not None and done["status"] == "completed"
    assert not finished.is_set(), "the erasure must complete while the call is in flight"
    clock.advance(60)  # the answer arrives well after the cut-off
    assert clock.now() > datetime.fromisoformat(done["cut_off"])
    call.join(30)
    client.flush()
    client.close()
    assert store.count("cache") == 0
    assert list(iter_subject_records(store, None, SUBJECT, key)) == []
