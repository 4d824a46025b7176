"""Must reach (issue 24): an erased subject who comes back is observed again, and none of
the records created before the erasure ever reappears, on SQLite and on the real
Elasticsearch, with the real client against FakeDeepSeek.

The app runs on another host than the eraser (its own spool directory), so the
erasure's spool step cannot reach the app's spool: only the tombstone stands between
the late records and the store. Before the erasure the app makes calls that are stored,
calls that are spooled while its store is down (SQLite: another connection holds the
write lock past the busy timeout; Elasticsearch: a loopback proxy resets every
connection), and a stream left open across the erasure. A second stream is opened by a
writer whose clock runs ahead of the eraser's by less than the allowed skew, right
before the erasure sets its cut-off (the worst case the bound admits).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from es_support import open_elastic
from records_data import WriteLock
from tcp_proxy import TcpProxy

from sentinel.client import Sentinel
from sentinel.clock import SystemClock
from sentinel.compliance.service import Compliance, open_spool
from sentinel.config import Settings
from sentinel.store.base import KINDS, Store
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing.fake import FakeDeepSeek

SUBJECT, OTHER = "returning user 张三", "someone-else@example.com"
SKEW = timedelta(seconds=2)  # SENTINEL_ERASURE_CLOCK_SKEW of this test's eraser
AHEAD = timedelta(seconds=1.5)  # a writer's clock ahead of the eraser's, inside SKEW
MSG = [{"role": "user", "content": "hello"}]


class SkewedClock(SystemClock):
    """A host whose wall clock runs `offset` ahead (or behind) of the eraser's."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return super().now() + self.offset


@dataclass
class Backend:
    eraser_store: Store
    app_store: Callable[[], Store]  # a new connection of the app host
    outage: Callable[[], AbstractContextManager[Any]]  # the app's store is down inside


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "shared.db"
        eraser = SQLiteStore(path)
        eraser.setup()

        @contextmanager
        def locked() -> Iterator[None]:
            with WriteLock(path):
                yield

        yield Backend(eraser, lambda: SQLiteStore(path), locked)
        eraser.close()
        return
    es_url = request.getfixturevalue("es_url")
    eraser = request.getfixturevalue("es_store_factory")()
    host, port = es_url.removeprefix("http://").rsplit(":", 1)
    proxy = TcpProxy(host, int(port))

    @contextmanager
    def cut() -> Iterator[None]:
        proxy.cut()
        try:
            yield
        finally:
            proxy.restore()

    try:
        yield Backend(eraser, lambda: open_elastic(proxy.url, eraser.prefix, tmp_path), cut)
    finally:
        proxy.close()


def _client(fake: FakeDeepSeek, store: Store, spool: Path, clock: SystemClock) -> Sentinel:
    return Sentinel(
        api_key=fake.api_key, base_url=fake.url, store=store, clock=clock,
        settings=Settings(spool_dir=spool), log_stream=io.StringIO(),
    )  # fmt: skip


def _call(client: Sentinel, subject: str, **kwargs: Any) -> Any:
    return client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, subject_id=subject, **kwargs
    )


def _held(store: Store, compliance: Compliance, subject: str) -> list[dict[str, Any]]:
    store.refresh()
    key = compliance.subject_key(subject)
    return list(store.iter_subject(subject, key, KINDS))


def _export(compliance: Compliance, subject: str) -> dict[str, Any]:
    out = io.StringIO()
    compliance.exports.export_now(out, subject, compliance.subject_key(subject), "test")
    return json.loads(out.getvalue())


def _calls_counted(store: Store, since: datetime) -> int:
    """What the rule engine sees: every call in the window, erased subject's included."""
    store.refresh()
    stats = store.call_stats(since, datetime.now(UTC) + timedelta(minutes=1))
    return sum(s.total for s in stats)


@pytest.mark.timeout(120)
def test_returning_subject_is_stored_again_and_nothing_from_before_reappears(
    backend: Backend, fake_deepseek: FakeDeepSeek, tmp_path: Path
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    eraser_settings = Settings(spool_dir=tmp_path / "eraser-spool", erasure_clock_skew=SKEW)
    compliance = Compliance.build(
        backend.eraser_store, eraser_settings, spool=open_spool(eraser_settings),
        exports_dir=tmp_path / "exports",
    )  # fmt: skip
    app_spool = tmp_path / "app-spool"
    store = backend.eraser_store
    clock = SystemClock()

    # 1. stored before the erasure
    first = _client(fake_deepseek, backend.app_store(), app_spool, clock)
    for subject in (SUBJECT, SUBJECT, OTHER):
        _call(first, subject)
    assert first.flush(10)
    assert len(_held(store, compliance, SUBJECT)) == 4  # 2 calls + 2 conversations
    # 2. spooled while the app's store is down; the app host then stops
    with backend.outage():
        for subject in (SUBJECT, SUBJECT, SUBJECT, OTHER):
            _call(first, subject)
        first.close()
    assert list(app_spool.glob("seg-*.spool")), "the outage spooled nothing"
    # 3. in flight across the erasure: a stream opened now, read after it
    # (another app process: one on the outage's spool would replay it before the erasure)
    second = _client(fake_deepseek, backend.app_store(), tmp_path / "second-spool", clock)
    before = _call(second, SUBJECT, stream=True)
    ahead = _client(fake_deepseek, backend.app_store(), tmp_path / "ahead", SkewedClock(AHEAD))
    late: list[Any] = []

    def at_step(step: str, _job: dict[str, Any]) -> None:
        if step == "sweep":  # the last moment before the cut-off is set
            late.append(_call(ahead, SUBJECT, stream=True))

    job = compliance.erasures.request(SUBJECT, compliance.subject_key(SUBJECT), "test", None)
    done = compliance.erasures.run(job["id"], progress=at_step)
    assert done is not None and done["status"] == "completed"
    cut_off = datetime.fromisoformat(done["cut_off"])
    assert list(before) and list(late[0])  # both answered in full, after the erasure
    assert second.flush(10) and ahead.flush(10)
    # the app host restarts: its sink replays the outage's spool
    third = _client(fake_deepseek, backend.app_store(), app_spool, clock)
    assert third.flush(20) and not list(app_spool.glob("seg-*.spool"))

    assert _held(store, compliance, SUBJECT) == []
    assert len(_held(store, compliance, OTHER)) == 4  # the other subject is untouched
    # the rules still count every call: 3 stored + 4 spooled + 2 streams, less the 2 of
    # the subject's the erasure deleted from the store; the 5 late ones count unlinked
    assert _calls_counted(store, started) == 3 + 4 + 2 - 2
    document = _export(compliance, SUBJECT)
    assert document["records"] == [] and document["summary"]["total"] == 0
    assert document["erasure"] == {"cut_off": done["cut_off"], "state": "closed"}

    # 4. the subject comes back after the cut-off: stored and exportable
    time.sleep(max(0.0, (cut_off - datetime.now(UTC)).total_seconds()) + 0.05)
    back = [_call(third, SUBJECT).request_id for _ in range(2)]
    assert third.flush(10)
    held = _held(store, compliance, SUBJECT)
    assert sorted(r["request_id"] for r in held) == sorted(back * 2)  # calls + conversations
    assert all(datetime.fromisoformat(r["timestamp"]) > cut_off for r in held)
    document = _export(compliance, SUBJECT)
    assert document["summary"]["counts"]["call"] == 2
    assert document["summary"]["counts"]["conversation"] == 2

    # 5. a second erasure removes them and moves the cut-off forward
    again = compliance.erasures.request(SUBJECT, compliance.subject_key(SUBJECT), "test", None)
    assert again["id"] != job["id"]
    second_done = compliance.erasures.run(again["id"])
    assert second_done is not None and second_done["removed"][store.name] == 4
    assert datetime.fromisoformat(second_done["cut_off"]) > cut_off
    assert _held(store, compliance, SUBJECT) == []
    assert _export(compliance, SUBJECT)["summary"]["total"] == 0
    for client in (second, ahead, third):
        client.close()


def test_a_record_just_after_the_cut_off_is_kept_and_one_at_it_is_dropped(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    """The boundary, exactly: `timestamp <= cut_off` is erased, a microsecond later is not
    (a writer ahead by more than the documented bound would get through: the bound is
    the allowance plus the erasure's own duration)."""
    from sentinel.models import CallRecord
    from sentinel.records.sink import Sink

    settings = Settings(spool_dir=tmp_path / "spool", erasure_clock_skew=SKEW)
    compliance = Compliance.build(sqlite_store, settings, exports_dir=tmp_path / "exports")
    key = compliance.subject_key(SUBJECT)
    done = compliance.erasures.run(compliance.erasures.request(SUBJECT, key, "t", None)["id"])
    assert done is not None
    cut_off = datetime.fromisoformat(done["cut_off"])
    assert cut_off - datetime.fromisoformat(done["tombstoned_at"]) >= SKEW
    sink = Sink(sqlite_store, settings)
    at, after = (
        CallRecord(request_id=rid, timestamp=ts, model="deepseek-v4-flash", subject_key=key)
        for rid, ts in (("at", cut_off), ("after", cut_off + timedelta(microseconds=1)))
    )
    sink.submit_many([at, after])
    assert sink.flush(10)
    sink.close()
    assert sqlite_store.get_call("at") is None and sqlite_store.get_call("after") is not None
    assert sink.erased == 1
    linked = list(sqlite_store.iter_subject(None, key, ("call",)))
    assert [c["request_id"] for c in linked] == ["after"]
    stats = sqlite_store.call_stats(cut_off - timedelta(seconds=1), cut_off + timedelta(1))
    assert sum(s.total for s in stats) == 2  # the dropped one is counted, unlinked
