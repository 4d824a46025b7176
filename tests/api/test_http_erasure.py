"""End to end over real HTTP: `uvicorn` serving the real app on loopback with debug
logging to a file, a compliance officer exporting then erasing a subject; afterwards
the raw subject id is in no byte of the SQLite files, the exports or the server log.
Also: a job accepted by a process that died is finished when the app starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_support import seed_subject
from fastapi.testclient import TestClient
from loopback import free_port

from sentinel.api.app import create_app
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore

SUBJECT = "http-victim-93c1@example.org"

_FACTORY = textwrap.dedent(
    """
    from sentinel.api.app import create_app
    from sentinel.config import Settings
    from sentinel.store import open_store

    def app():
        settings = Settings()
        return create_app(open_store(settings=settings), settings)
    """
)


def _poll(client: httpx.Client, url: str, headers: dict[str, str]) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"job {url} did not finish")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """(base URL, database path, log file) of a uvicorn process."""
    db = tmp_path / "store" / "sentinel.db"
    log = tmp_path / "logs" / "uvicorn.log"
    log.parent.mkdir()
    (tmp_path / "factory").mkdir()
    (tmp_path / "factory" / "sentinel_app.py").write_text(_FACTORY)
    port = free_port()
    env = {**os.environ, "SENTINEL_STORE": f"sqlite:///{db}"}
    store = SQLiteStore(db)
    store.setup()
    store.close()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "sentinel_app:app",
             "--app-dir", str(tmp_path / "factory"), "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "debug"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                raise AssertionError(log.read_text())
            yield base, db, log
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)


def test_export_then_erase_over_http_leaves_no_trace(server, tmp_path: Path) -> None:
    base, db, log = server
    store = SQLiteStore(db)
    seed_subject(store, SUBJECT, n=20)
    seed_subject(store, "bystander-1", n=5)
    token, _ = Compliance.build(store, Settings()).tokens.create("officer", ["admin"])
    store.close()
    auth = {"Authorization": f"Bearer {token}"}

    with httpx.Client(base_url=base, timeout=10) as client:
        accepted = client.post("/v1/gdpr/exports", json={"subject_id": SUBJECT}, headers=auth)
        assert accepted.status_code == 202
        export = _poll(client, accepted.headers["location"], auth)
        assert export["counts"] == {
            "conversation": 20, "call": 20, "feedback": 20, "alert": 0, "cache": 0,
        }  # fmt: skip
        document = client.get(export["download"], headers=auth)
        assert document.status_code == 200 and document.json()["summary"]["total"] == 60
        assert client.post("/v1/gdpr/erasures", json={"subject_id": "user\u202eevil"},
                           headers=auth).status_code == 422  # fmt: skip

        accepted = client.post("/v1/gdpr/erasures", json={"subject_id": SUBJECT}, headers=auth)
        assert accepted.status_code == 202
        erasure = _poll(client, accepted.headers["location"], auth)
        assert erasure["status"] == "completed"
        assert erasure["removed"] == {"sqlite": 60, "spool": 0, "exports": 1, "dead-letter": 0}
        assert client.get(export["download"], headers=auth).status_code == 404

    assert "POST /v1/gdpr/erasures" in log.read_text()  # the log was written and is scanned
    leftovers = [str(p) for p in tmp_path.rglob("*")
                 if p.is_file() and SUBJECT.encode() in p.read_bytes()]  # fmt: skip
    assert leftovers == []


def test_a_job_accepted_before_a_crash_is_finished_when_the_app_starts(
    sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    seed_subject(sqlite_store, SUBJECT, n=4)
    settings = Settings()
    before = Compliance.build(sqlite_store, settings, exports_dir=tmp_path / "exports")
    token, _ = before.tokens.create("officer", ["gdpr:erase"])
    # Accepted (202) but the process died before the background task ran.
    job = before.erasures.request(SUBJECT, before.subject_key(SUBJECT), "officer", None)

    app = create_app(sqlite_store, settings, exports_dir=tmp_path / "exports")
    with TestClient(app) as client:  # startup resumes unfinished jobs
        deadline = time.monotonic() + 15
        while True:
            body = client.get(f"/v1/gdpr/erasures/{job['id']}",
                              headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
            if body["status"] == "completed" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert body["status"] == "completed"
    assert body["removed"]["sqlite"] == 12
