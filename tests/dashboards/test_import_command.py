"""`sentinel dashboards import` against a recording fake Kibana over real HTTP: the
request Kibana needs (multipart `file`, kbn-xsrf, credentials, overwrite, space) and an
exit 1 listing Kibana's reasons whenever anything was not imported."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

import pytest
from fake_kibana import fake_kibana
from typer.testing import CliRunner

from sentinel.cli import app
from sentinel.dashboards import DEFAULT_DIR

NDJSON = sorted(DEFAULT_DIR.glob("*.ndjson"))
PASSWORD = "kibana-pw-3f9a71"
runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["dashboards", "import", *args], env=env)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_imports_the_shipped_dashboards_with_overwrite_and_basic_auth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # the default is the package's files, wherever one runs
    with fake_kibana(authorization=_basic("elastic", PASSWORD)) as kibana:
        result = _run("--kibana", kibana.url, "--username", "elastic", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    (upload,) = kibana.uploads
    assert upload.path == "/api/saved_objects/_import" and upload.space is None
    assert upload.query == {"overwrite": ["true"]}
    assert upload.headers["kbn-xsrf"]
    assert upload.field_name == "file" and upload.filename.endswith(".ndjson")
    expected = [obj for path in NDJSON for obj in _objects(path)]
    assert upload.objects() == expected
    assert f"imported {len(expected)} saved object(s)" in result.output
    assert PASSWORD not in result.output


def _objects(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_api_key_from_the_environment_and_a_space() -> None:
    with fake_kibana(authorization="ApiKey a2V5OnNlY3JldA==") as kibana:
        result = _run(
            "--kibana", kibana.url + "/", "--space", "ops", *map(str, NDJSON),
            env={"KIBANA_API_KEY": "a2V5OnNlY3JldA=="},
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    (upload,) = kibana.uploads
    assert upload.path == "/s/ops/api/saved_objects/_import" and upload.space == "ops"
    assert "(space ops)" in result.output


def test_refused_objects_exit_1_and_are_listed() -> None:
    errors = [
        {
            "id": "sentinel-overview",
            "type": "dashboard",
            "title": "DeepSeek Sentinel overview",
            "meta": {"title": "DeepSeek Sentinel overview"},
            "error": {
                "type": "missing_references",
                "references": [{"type": "lens", "id": "sentinel-lens-latency"}],
            },
        },
        {
            "id": "sentinel-dv-calls",
            "type": "index-pattern",
            "meta": {"title": "sentinel-calls-*"},
            "error": {"type": "unknown", "message": "index-pattern is invalid", "statusCode": 400},
        },
    ]
    body = {"success": False, "successCount": 14, "errors": errors}
    with fake_kibana(answer=(200, body)) as kibana:
        result = _run("--kibana", kibana.url, *map(str, NDJSON))
    assert result.exit_code == 1
    assert "refused 2 saved object(s)" in result.output
    assert (
        "dashboard/sentinel-overview (DeepSeek Sentinel overview): missing_references: "
        "missing lens/sentinel-lens-latency" in result.output
    )
    assert (
        "index-pattern/sentinel-dv-calls (sentinel-calls-*): unknown: index-pattern is invalid"
        in result.output
    )


def test_wrong_credentials_exit_1_without_echoing_them() -> None:
    with fake_kibana(authorization=_basic("elastic", "the-right-one")) as kibana:
        result = _run(
            "--kibana", kibana.url, "--username", "elastic", *map(str, NDJSON),
            env={"KIBANA_PASSWORD": PASSWORD},
        )  # fmt: skip
    assert result.exit_code == 1
    assert "Kibana refused the credentials (401)" in result.output
    assert "unable to authenticate user" in result.output
    assert PASSWORD not in result.output


def test_kibana_server_error_exit_1_with_status() -> None:
    with fake_kibana(answer=(503, {"message": "Kibana server is not ready yet"})) as kibana:
        result = _run("--kibana", kibana.url, *map(str, NDJSON))
    assert result.exit_code == 1
    assert "Kibana answered 503" in result.output and "not ready yet" in result.output


def test_unreachable_kibana_exit_1() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    result = _run("--kibana", f"http://127.0.0.1:{port}", *map(str, NDJSON))
    assert result.exit_code == 1
    assert f"cannot reach Kibana at http://127.0.0.1:{port}" in result.output


def test_broken_ndjson_names_file_and_line_and_sends_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"type": "dashboard", "id": "x", "attributes": {}}\n\n{"type": "lens"\n')
    no_id = tmp_path / "no-id.ndjson"
    no_id.write_text('{"type": "lens", "attributes": {}}\n')
    with fake_kibana() as kibana:
        broken = _run("--kibana", kibana.url, str(bad))
        missing = _run("--kibana", kibana.url, str(no_id))
        absent = _run("--kibana", kibana.url, str(tmp_path / "nope.ndjson"))
    assert kibana.uploads == []
    assert broken.exit_code == 1 and f"{bad}:3: not JSON" in broken.output
    assert missing.exit_code == 1 and f"{no_id}:1: a saved object needs type and id" in (
        missing.output
    )
    assert absent.exit_code == 1 and "nope.ndjson: cannot read" in absent.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kibana", "http://elastic:pw@127.0.0.1:5601"], "must not contain credentials"),
        (["--kibana", "ftp://127.0.0.1"], "must be an http(s) URL"),
        (["--kibana", "http://127.0.0.1:5601", "--space", "../x"], "--space must be"),
        (
            ["--kibana", "http://127.0.0.1:5601", "--api-key", "k", "--username", "u"],
            "either an API key or a username/password",
        ),
        (["--kibana", "http://127.0.0.1:5601", "--username", "u"], "needs a password"),
    ],
)
def test_bad_options_are_named(args: list[str], message: str) -> None:
    result = _run(*args, *map(str, NDJSON))
    assert result.exit_code == 1 and message in result.output
    assert ":pw@" not in result.output
