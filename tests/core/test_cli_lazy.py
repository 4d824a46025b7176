"""`sentinel` imports a command's module only when that command runs: `sentinel spend`
must not pay for the daemon, the proxy, Presidio or the safety lists. The table saying
which module registers which command must match what the modules register."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer
from typer.testing import CliRunner

from sentinel.cli import COMMANDS, MODULES, app

HEAVY = (
    "sentinel.daemon", "sentinel.proxy.server", "sentinel.api", "sentinel.safety",
    "sentinel.privacy.cli", "sentinel.compliance.service", "presidio_analyzer", "fastapi",
    "uvicorn", "apscheduler", "elasticsearch",
)  # fmt: skip


def _imported_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from sentinel.cli import app\n"
        f"result = CliRunner().invoke(app, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print('\\n'.join(sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return set(proc.stdout.split())


def test_spend_help_imports_none_of_the_other_commands() -> None:
    loaded = _imported_after(["spend", "--help"])
    assert "sentinel.spend.cli" in loaded
    assert not {m for m in loaded if m.startswith(HEAVY)}, sorted(
        m for m in loaded if m.startswith(HEAVY)
    )


def test_the_top_level_help_still_lists_every_command() -> None:
    loaded = _imported_after(["--help"])
    assert "sentinel.daemon" in loaded  # listing needs every module's help text
    result = CliRunner().invoke(app, ["--help"])
    for name in COMMANDS:
        assert f"  {name} " in result.output, name


def test_the_table_names_what_each_module_registers() -> None:
    for module in MODULES:
        part = typer.Typer()
        part.callback()(lambda: None)
        importlib.import_module(module).register(part)
        registered = set(typer.main.get_group(part).commands)
        assert registered == {c for c, m in COMMANDS.items() if m == module}, module
