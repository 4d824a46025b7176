"""Helpers shared by the API tests (a plain module so tests can import it by name)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sentinel.config import Settings
from sentinel.models import CallRecord, Conversation, Feedback, subject_key_for
from sentinel.store.sqlite import SQLiteStore

SUBJECT = "api-subject-5d2e"


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]  # scope (or "revoked") -> bearer token

    def auth(self, scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}


def seed_subject(store: SQLiteStore, subject_id: str, n: int = 3) -> None:
    key = subject_key_for(subject_id, Settings().subject_secret_bytes())
    ts = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for i in range(n):
        rid = f"{subject_id}-{i}"
        records += [
            CallRecord(request_id=rid, timestamp=ts, model="deepseek-v4-flash", subject_key=key),
            Conversation(request_id=rid, timestamp=ts, model="deepseek-v4-flash",
                         subject_id=subject_id, subject_key=key,
                         messages=[{"role": "user", "content": "hi"}]),
            Feedback(request_id=rid, timestamp=ts, score=1.0, subject_key=key),
        ]  # fmt: skip
    store.write_records(records)
