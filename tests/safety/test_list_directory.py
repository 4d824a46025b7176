"""Every `*.txt` of a list directory is a list: one that cannot be read as a regular
file (a broken link, as a deployment that symlinks its lists leaves when a target
moves; a FIFO; a directory) is an error naming it, at start (`sentinel safety check`,
the client) and on reload (the lists in force stay). It was skipped without a word, so
its whole category silently went out of force. Hidden names stay skipped: an editor's
lock link (`.#violence.txt`) points nowhere while the file is open."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from loopback import wait_until
from safety_support import Harness
from typer.testing import CliRunner

from sentinel.cli import app as cli
from sentinel.errors import ConfigurationError

MODEL = "deepseek-v4-flash"
OFF = {"type": "disabled"}


def check(lists: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["safety", "check", "--lists", str(lists)])
    return result.exit_code, result.output


def echo(client: object, text: str) -> str:
    resp = client.chat.completions.create(  # type: ignore[attr-defined]
        model=MODEL, messages=[{"role": "user", "content": text}], thinking=OFF
    )
    return str(resp.content)


def test_a_broken_link_in_a_list_directory_is_named(lists_dir: Path, tmp_path: Path) -> None:
    link = lists_dir / "weapons.txt"
    link.symlink_to(tmp_path / "moved" / "weapons.txt")
    code, out = check(lists_dir)
    assert code == 1 and f"{link}: a broken link" in out


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_txt_that_is_not_a_regular_file_is_named(lists_dir: Path, kind: str) -> None:
    odd = lists_dir / "odd.txt"
    os.mkfifo(odd) if kind == "fifo" else odd.mkdir()
    code, out = check(lists_dir)
    assert code == 1 and f"{odd}: not a regular file" in out


def test_an_editors_hidden_lock_link_is_not_a_list(lists_dir: Path) -> None:
    (lists_dir / ".#violence.txt").symlink_to("root@host.4242:1764672000")
    code, out = check(lists_dir)
    assert code == 0 and out.startswith("OK: 4 file(s)")


def test_the_client_refuses_to_start_and_a_reload_keeps_the_lists_in_force(
    harness: Harness, lists_dir: Path, tmp_path: Path
) -> None:
    link = lists_dir / "weapons.txt"
    link.symlink_to(tmp_path / "moved.txt")
    with pytest.raises(ConfigurationError, match=r"weapons\.txt: a broken link"):
        harness.client()
    link.unlink()
    client = harness.client(safety_reload="100ms")
    assert echo(client, "you idiot") == "you *****"
    (lists_dir / "insult-en.txt").write_text("# action: mask\nfool\n", encoding="utf-8")
    link.symlink_to(tmp_path / "moved.txt")  # in the same poll: nothing of it is loaded
    time.sleep(0.5)
    assert echo(client, "you idiot fool") == "you ***** fool"  # the lists in force stayed
    (tmp_path / "moved.txt").write_text("# action: mask\nwombat\n", encoding="utf-8")
    wait_until(lambda: echo(client, "a wombat") == "a ******", 10)
    assert echo(client, "you idiot fool") == "you idiot ****"
