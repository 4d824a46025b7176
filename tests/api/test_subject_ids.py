"""Every subject id the write path stores can be exported and erased: real client calls
to FakeDeepSeek, then the real CLI and HTTP API on the same SQLite store; and every
unsafe id is refused on every path, with one message that never repeats it."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from api_support import Api
from typer.testing import CliRunner

from sentinel import Sentinel
from sentinel.cli import app
from sentinel.config import Settings
from sentinel.errors import InvalidRequestError
from sentinel.models import subject_key_for
from sentinel.store.sqlite import SQLiteStore
from sentinel.subjects import SUBJECT_ID_MAX
from sentinel.testing import FakeDeepSeek

runner = CliRunner()
IDS = [
    "张三",
    "user 42",
    "Alice Smith",
    "tenant/42",
    "ｆｕｌｌ-width",
    "alice.smith+support@example.com",
    "a|b#c (x), d; e! ü?",
    "é" * SUBJECT_ID_MAX,
    "محمد علي",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # ends in a tag char
]
UNSAFE = {
    "empty": "",
    "NUL": "user\x00admin",
    "control": "user\x1b[31m",
    "newline": "user\n42",
    "line separator": "user\u202842",
    "lone surrogate": "user\ud800",
    "bidi override": "user\u202eevil",
    "bidi isolate": "user\u2066evil\u2069",
    "leading space": " user",
    "trailing space": "user ",
    "ideographic space edge": "user\u3000",
    "zero-width space only": "\u200b",
    "trailing zero-width space": "user\u200b",
    "leading right-to-left mark": "\u200fuser",
    "leading byte-order mark": "\ufeffuser",
    "too long": "a" * (SUBJECT_ID_MAX + 1),
}


@pytest.fixture
def store_env(sqlite_store: SQLiteStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI on the same store the client writes and the API serves."""
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{tmp_path / 'sentinel.db'}")
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))


def _cli_export(subject: str, path: Path) -> list[dict]:
    result = runner.invoke(app, ["gdpr", "export", subject, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())["records"]


def _api_export(api: Api, subject: str) -> list[dict]:
    created = api.client.post(
        "/v1/gdpr/exports", json={"subject_id": subject}, headers=api.auth("gdpr:export")
    )
    assert created.status_code == 202, created.text
    status = api.client.get(created.headers["location"], headers=api.auth("gdpr:export")).json()
    assert status["status"] == "completed"
    download = api.client.get(status["download"], headers=api.auth("gdpr:export"))
    return download.json()["records"]


@pytest.mark.usefixtures("store_env")
@pytest.mark.parametrize("subject", IDS, ids=lambda s: s[:16])
def test_store_export_erase_export_is_empty(
    subject: str, api: Api, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    with FakeDeepSeek() as fake, Sentinel(
        base_url=fake.url, api_key=fake.api_key, store=sqlite_store, app="ids",
        settings=Settings(spool_dir=tmp_path / "client-spool"),
    ) as client:  # fmt: skip
        for text in ("hello", "again"):
            client.chat.completions.create(
                model="deepseek-v4-flash",
                messages=[{"role": "user", "content": text}],
                subject_id=subject,
            )
        client.chat.completions.create(  # someone else, who must survive the erasure
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "x"}],
            subject_id="bystander",
        )  # fmt: skip
        client.flush()

    by_cli = _cli_export(subject, tmp_path / "before.json")
    kinds = sorted(r["kind"] for r in by_cli)
    assert kinds == ["call", "call", "conversation", "conversation"]
    assert _api_export(api, subject) == by_cli

    erased = api.client.post(
        "/v1/gdpr/erasures", json={"subject_id": subject}, headers=api.auth("gdpr:erase")
    )
    assert erased.status_code == 202, erased.text
    status = api.client.get(erased.headers["location"], headers=api.auth("gdpr:erase")).json()
    assert status["status"] == "completed" and status["removed_by_kind"]["sqlite"]["call"] == 2
    assert json.dumps(subject, ensure_ascii=False) not in erased.text + json.dumps(status)

    assert _api_export(api, subject) == []
    assert _cli_export(subject, tmp_path / "after.json") == []
    assert len(_api_export(api, "bystander")) == 2


@pytest.mark.usefixtures("store_env")
def test_any_spelling_finds_the_one_nfc_subject(api: Api, sqlite_store: SQLiteStore) -> None:
    composed, decomposed = "José Müller", unicodedata.normalize("NFD", "José Müller")
    assert composed != decomposed
    with (
        FakeDeepSeek() as fake,
        Sentinel(base_url=fake.url, api_key=fake.api_key, store=sqlite_store) as client,
    ):
        resp = client.chat.completions.create(
            model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}],
            subject_id=decomposed,
        )  # fmt: skip
        client.flush()
    stored = sqlite_store.get_conversation(resp.request_id)
    assert stored.subject_id == composed  # stored and HMAC'd in NFC
    assert stored.subject_key == subject_key_for(composed, Settings().subject_secret_bytes())
    assert len(_api_export(api, composed)) == 2
    assert len(_api_export(api, decomposed)) == 2


@pytest.mark.parametrize("name", list(UNSAFE))
def test_unsafe_ids_are_refused_on_the_client_before_anything_is_sent(
    name: str, sqlite_store: SQLiteStore
) -> None:
    with (
        FakeDeepSeek() as fake,
        Sentinel(base_url=fake.url, api_key=fake.api_key, store=sqlite_store) as client,
    ):
        with pytest.raises(InvalidRequestError) as err:
            client.chat.completions.create(
                model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}],
                subject_id=UNSAFE[name],
            )  # fmt: skip
        assert fake.count("chat") == 0
    assert "invalid subject id" in str(err.value)
    if UNSAFE[name].strip():
        assert UNSAFE[name] not in str(err.value)


@pytest.mark.usefixtures("store_env")
@pytest.mark.parametrize("name", list(UNSAFE))
def test_unsafe_ids_are_refused_by_the_cli_and_the_api(name: str, api: Api) -> None:
    subject = UNSAFE[name]
    if "\x00" not in subject and "\ud800" not in subject:  # argv cannot carry these
        for command in (["gdpr", "export", subject], ["gdpr", "erase", subject, "--yes"]):
            result = runner.invoke(app, command)
            assert result.exit_code == 2, result.output
            assert "invalid subject id" in result.output
    headers = {**api.auth("admin"), "Content-Type": "application/json"}
    for endpoint in ("/v1/gdpr/exports", "/v1/gdpr/erasures"):
        body = json.dumps({"subject_id": subject})  # ASCII escapes, as a client sends
        response = api.client.post(endpoint, content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert "invalid subject id" in response.text
        if len(subject) > 1:
            assert json.dumps(subject)[1:-1] not in response.text
