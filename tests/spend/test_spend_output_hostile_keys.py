"""Group keys a caller chooses (a conversation id from the proxy's header or body) in
`sentinel spend`'s table and CSV, through the real CLI on a real SQLite file: the table
showed Rich markup as markup (`[link=...]x[/link]` as a link named x, `[bold red]PAID[/]`
as PAID) and sent ESC sequences to the terminal; the CSV lost them in a pipe (click's
echo strips ANSI codes), so two conversations read as one."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spend_support import store_env

from sentinel.models import CallRecord
from sentinel.store.sqlite import SQLiteStore

KEYS = ["[bold red]PAID[/]", "[link=http://evil]x[/link]", "\x1b[31mRED\x1b[0m\x1b[2K", "RED"]


def test_keys_are_shown_as_sent(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.setup()
    now = datetime.now(UTC)
    store.write_records(
        [
            CallRecord(
                request_id=f"r{i}",
                timestamp=now - timedelta(hours=1),
                app="bot",
                model="deepseek-v4-flash",
                conversation_id=k,
                cost=0.01 * (i + 1),
                cost_currency="USD",
                cache_savings=0.0,
            )
            for i, k in enumerate(KEYS)
        ]
    )
    env = store_env(store)
    store.close()
    cmd = [str(Path(sys.executable).with_name("sentinel")), "spend", "--by", "conversation"]

    table = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert table.returncode == 0, table.stderr
    out = table.stdout.decode()
    assert "[bold red]PAID[/]" in out and "[link=http://evil]x[/link]" in out
    assert "\x1b" not in out and "\\x1b[31mRED\\x1b[0m\\x1b[2K" in out

    csv = subprocess.run([*cmd, "--csv"], env=env, capture_output=True, timeout=120)
    assert csv.returncode == 0, csv.stderr
    keys = [line.split(b",")[0] for line in csv.stdout.splitlines()[1:]]
    assert sorted(keys) == sorted(k.encode() for k in KEYS)
