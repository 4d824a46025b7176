"""The CLI's output for people and for scripts, from the real console script: tables
never cut an id (piped output is as wide as its content, a narrow terminal folds the
id onto a second line), `--json` is a flag on every listing command, `tokens revoke`
takes a unique start of an id, and help has no `<bool>` after flags."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from sentinel import cli_tables
from sentinel.cli import app
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.store.sqlite import SQLiteStore

SENTINEL = Path(sys.executable).with_name("sentinel")
LISTINGS = [["tokens", "list"], ["audit", "show"], ["gdpr", "tombstones", "list"],
            ["spool", "inspect"], ["doctor", "--skip", "privacy"]]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SENTINEL_STORE", f"sqlite:///{path}")
    monkeypatch.setenv("SENTINEL_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://127.0.0.1:9")  # doctor: nothing there
    store = SQLiteStore(path)
    store.setup()
    store.close()
    return path


def _tokens(n: int) -> list[str]:
    store = SQLiteStore(Path(Settings().store_url.removeprefix("sqlite:///")))
    service = Compliance.build(store, Settings())
    ids = []
    for i in range(n):
        _, info = service.tokens.create(f"officer {i}", ["gdpr:export"])
        service.audit.append("cli:test", "token.created", details={"token_id": info.id})
        ids.append(info.id)
    store.close()
    return ids


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SENTINEL), *args], env={**os.environ, "COLUMNS": "80"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_piped_tables_keep_every_id_whole(db: Path, tmp_path: Path) -> None:
    ids = _tokens(3)
    listed = _run("tokens", "list")
    assert listed.returncode == 0, listed.stderr
    for token_id in ids:
        assert token_id in listed.stdout
    assert "…" not in listed.stdout and "..." not in listed.stdout
    # `audit show > file` for a case file: the whole row, however wide
    case_file = tmp_path / "audit.txt"
    with case_file.open("w") as out:
        shown = subprocess.run(
            [str(SENTINEL), "audit", "show"], stdout=out, text=True,
            env={**os.environ, "COLUMNS": "80"}, timeout=120, check=False,
        )  # fmt: skip
    assert shown.returncode == 0
    text = case_file.read_text()
    rows = [line for line in text.splitlines() if "token.created" in line]
    assert len(rows) == 3 and max(map(len, rows)) > 80 and "…" not in text
    assert all("cli:test" in row for row in rows)


def test_a_narrow_terminal_folds_ids_instead_of_cutting_them() -> None:
    token_id = "8788c2a9ab96d5f0"
    table = cli_tables.table("id", "name", "scopes", "created", ids=("id",))
    table.add_row(token_id, "a rather long token name", "gdpr:export, gdpr:erase",
                  "2026-12-02T02:30:00+00:00")  # fmt: skip
    buf = io.StringIO()
    Console(file=buf, width=40, force_terminal=True, color_system=None).print(table)
    shown = buf.getvalue()
    assert "…" not in shown
    first_cells = [line.split("│")[1].strip() for line in shown.splitlines() if "│" in line]
    assert first_cells[0] != token_id and token_id in "".join(first_cells)  # folded, whole


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: " ".join(a[:3]))
def test_json_is_a_flag_on_every_listing_command(db: Path, args: list[str]) -> None:
    _tokens(1)
    result = _run(*args, "--json")
    assert result.returncode in (0, 1), result.stderr  # doctor: the upstream is down
    out = result.stdout.strip()
    if args[0] == "spool":  # one document
        assert "segments" in json.loads(out)
    else:  # JSON lines (no tombstones yet: none)
        docs = [json.loads(line) for line in out.splitlines()]
        assert len(docs) >= (0 if args[0] == "gdpr" else 1)
        if args[0] == "doctor":
            assert {"settings", "store", "upstream"} <= {d["name"] for d in docs}
    assert _run(*args, "--json", "true").returncode == 2  # a flag takes no value


def test_revoke_takes_a_unique_prefix_and_lists_candidates_when_ambiguous(db: Path) -> None:
    ids = _tokens(17)  # 17 ids of hex digits: two share their first digit
    first = {}
    for token_id in ids:
        first.setdefault(token_id[0], []).append(token_id)
    shared = next(group for group in first.values() if len(group) > 1)
    ambiguous = _run("tokens", "revoke", shared[0][0])
    assert ambiguous.returncode == 1
    assert all(t in ambiguous.stderr for t in shared) and "more characters" in ambiguous.stderr
    target = ids[0]
    prefix = next(
        target[:n] for n in range(4, 17) if sum(t.startswith(target[:n]) for t in ids) == 1
    )
    revoked = _run("tokens", "revoke", prefix)
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked {target}" in revoked.stderr
    rows = [json.loads(line) for line in _run("tokens", "list", "--json").stdout.splitlines()]
    assert [r["id"] for r in rows if r["revoked_at"]] == [target]
    assert _run("tokens", "revoke", "ffff0000ffff").returncode == 1


def test_revoke_with_a_too_short_start_is_a_usage_error_and_revokes_nothing(db: Path) -> None:
    [only] = _tokens(1)
    short = _run("tokens", "revoke", only[:2])
    assert short.returncode == 2, short.stderr
    assert "at least 4 characters" in short.stderr and "Traceback" not in short.stderr
    rows = [json.loads(line) for line in _run("tokens", "list", "--json").stdout.splitlines()]
    assert [r["revoked_at"] for r in rows] == [None]


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(getattr(group, "commands", None), dict):  # typer vendors its own click
        return [p for name, sub in group.commands.items() for p in _commands(sub, (*path, name))]
    return [path]


def test_help_shows_flags_without_a_value_and_whole_sentences() -> None:
    runner = CliRunner()
    paths = _commands(typer.main.get_command(app))
    assert len(paths) > 20
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], terminal_width=100)
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, path
        assert "--help  " in result.output or "--help " in result.output
