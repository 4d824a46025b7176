"""Export completeness and shape, streaming in constant memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable

from gdpr_data import OTHER, SUBJECT, key_of, records_for, write_all

from sentinel.compliance.export import KINDS, SCHEMA, SCHEMA_VERSION, write_export
from sentinel.compliance.service import Compliance
from sentinel.store.sqlite import SQLiteStore


def _export(compliance: Compliance, subject_id: str) -> dict:
    out = io.StringIO()
    compliance.exports.export_now(out, subject_id, key_of(subject_id), "tester")
    return json.loads(out.getvalue())


def test_export_holds_every_record_of_the_subject_and_none_of_another(
    compliance: Compliance, seeded: Callable[[int], None]
) -> None:
    seeded(30)
    doc = _export(compliance, SUBJECT)
    assert doc["schema"] == SCHEMA and doc["schema_version"] == SCHEMA_VERSION
    assert doc["subject"] == {"subject_id": SUBJECT, "subject_key": key_of(SUBJECT)}
    got = {(r["kind"], r["data"].get("request_id") or r["data"].get("id")) for r in doc["records"]}
    expected = {(r.kind, r.request_id) for r in records_for(SUBJECT, 30)}
    expected.add(("alert", "alert-subject"))
    assert got == expected  # every one, and none of OTHER's
    assert len(doc["records"]) == len(expected)  # no duplicates
    assert OTHER not in json.dumps(doc) and key_of(OTHER) not in json.dumps(doc)
    # anonymized conversations (raw id gone, key kept) are found by key
    anonymized = [r for r in doc["records"] if r["kind"] == "conversation"
                  and r["data"]["anonymized_at"] is not None]  # fmt: skip
    assert len(anonymized) == 10 and all(r["data"]["subject_id"] is None for r in anonymized)


def test_summary_counts_and_time_range(
    compliance: Compliance, seeded: Callable[[int], None]
) -> None:
    seeded(30)
    summary = _export(compliance, SUBJECT)["summary"]
    assert summary["counts"] == {
        "conversation": 30, "call": 30, "feedback": 30, "alert": 1, "cache": 0,
    }  # fmt: skip
    assert summary["total"] == 91 and summary["by_source"] == {"sqlite": 91}
    assert summary["time_range"] == {"first": "2026-01-01T09:00:00+00:00",
                                     "last": "2026-01-01T09:00:29+00:00"}  # fmt: skip


def test_unknown_subject_exports_an_empty_valid_document(compliance: Compliance) -> None:
    doc = _export(compliance, "nobody-here")
    assert doc["records"] == []
    assert doc["summary"]["total"] == 0 and set(doc["summary"]["counts"]) == set(KINDS)


def test_export_is_audited_with_the_key_only(compliance: Compliance, seeded) -> None:
    seeded(3)
    _export(compliance, SUBJECT)
    entries = list(compliance.audit.entries())
    assert [e.action for e in entries] == ["export.requested", "export.completed"]
    assert all(e.subject_key == key_of(SUBJECT) for e in entries)
    assert entries[1].counts["call"] == 3
    assert SUBJECT not in "".join(e.model_dump_json() for e in entries)


class _CountingSink(io.TextIOBase):
    """Discards the document but parses nothing: measures the exporter, not the reader."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, s: str) -> int:
        self.bytes += len(s)
        return len(s)


def _peak_export_memory(store: SQLiteStore, subject_id: str) -> int:
    tracemalloc.start()
    try:
        write_export(_CountingSink(), store, None, subject_id, key_of(subject_id))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_memory_does_not_grow_with_the_number_of_records(
    sqlite_store: SQLiteStore,
) -> None:
    """Streaming: exporting 10x the records needs about the same peak memory (the
    store pages 500 rows at a time; nothing accumulates)."""
    write_all(sqlite_store, records_for("small-subject", 1_000, anonymized_every=0))
    write_all(sqlite_store, records_for("large-subject", 10_000, anonymized_every=0))
    small = _peak_export_memory(sqlite_store, "small-subject")
    large = _peak_export_memory(sqlite_store, "large-subject")
    assert large < small * 1.5 + 256 * 1024, (small, large)
