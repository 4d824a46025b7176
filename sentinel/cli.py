"""The `sentinel` command. Each concern registers its own commands (see the `register`
function in each module below), so this file stays a table of contents.

Modules are imported when a command of theirs runs, not at start-up: `sentinel spend`
imported the daemon, the proxy, the safety lists and the compliance service first (about
1 s of a report that takes 0.1 s). `COMMANDS` says which module registers which command;
a name it does not know (a command added without a row here) and `sentinel --help`
import every module, so a missing row costs time, never a command."""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

# command -> the module whose `register` adds it
COMMANDS = {
    "demo": "sentinel.demo",
    "serve": "sentinel.daemon",
    "doctor": "sentinel.doctor",
    "redact": "sentinel.privacy.cli",
    "anonymize": "sentinel.privacy.cli",
    "rules": "sentinel.rules.cli",
    "safety": "sentinel.safety.cli",
    "gdpr": "sentinel.compliance.cli",
    "tokens": "sentinel.compliance.cli",
    "audit": "sentinel.compliance.cli",
    "keys": "sentinel.compliance.keys",
    "dashboards": "sentinel.dashboards",
    "proxy": "sentinel.proxy.server",
    "spool": "sentinel.spool_cli",
    "budgets": "sentinel.budgets_cli",
    "spend": "sentinel.spend.cli",
    "prices": "sentinel.spend.cli",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))  # in the order `--help` lists them

# Plain help: Rich mode keeps docstrings' line breaks mid-sentence and shows a `<bool>`
# value after every flag, as if `--json` took one.
_OPTIONS: dict[str, Any] = {"rich_markup_mode": None}


class _LazyGroup(TyperGroup):
    """Adds a module's commands the first time one of them is looked up. Reading
    `commands` itself (listing them, `--help`, a tool walking the tree) loads them all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loaded: set[str] = set()
        self._commands: dict[str, Any] = {}
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, Any]:  # type: ignore[override]
        self._load(MODULES)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, Any]) -> None:
        self._commands = dict(value)

    def add_command(self, cmd: Any, name: str | None = None) -> None:
        self._commands[name or cmd.name] = cmd

    def _load(self, modules: tuple[str, ...]) -> None:
        for name in modules:
            if name in self._loaded:
                continue
            self._loaded.add(name)
            part = typer.Typer(**_OPTIONS)
            part.callback()(lambda: None)  # a group even for a module with one command
            importlib.import_module(name).register(part)
            for command_name, command in typer.main.get_group(part).commands.items():
                self.add_command(command, command_name)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self._commands:
            module = COMMANDS.get(cmd_name)
            self._load((module,) if module else MODULES)
        return self._commands.get(cmd_name)


app = typer.Typer(
    name="sentinel",
    help="DeepSeek Sentinel: observability and compliance sidecar for DeepSeek API calls.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    cls=_LazyGroup,
    **_OPTIONS,
)


@app.callback()
def _root() -> None:  # makes `app` a group with no command registered up front
    pass


def main() -> None:
    """The console script: `app`, with the configuration errors any command can meet (a
    refused setting, a missing key file) printed as one message with exit status 2
    instead of a traceback. `serve` and `proxy` say the same through `startup_errors`."""
    from pydantic_core import ValidationError  # pydantic's own, without its package

    from sentinel.errors import ConfigurationError

    try:
        app()
    except ValidationError as exc:
        from sentinel.settings_errors import describe  # imports the settings: 0.5 s

        typer.echo(f"configuration error:\n{describe(exc)}", err=True)
        raise SystemExit(2) from None
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
