"""The `sentinel` command. Each concern registers its own commands (see the `register`
function in each module below), so this file stays a table of contents; heavy imports
(Presidio, Elasticsearch) happen inside the commands, keeping `sentinel --help` fast."""

from __future__ import annotations

import typer

from sentinel import budgets_cli, daemon, dashboards, demo, doctor, spool_cli
from sentinel.compliance import cli as compliance_cli
from sentinel.compliance import keys as keys_cli
from sentinel.privacy import cli as privacy_cli
from sentinel.proxy import server as proxy_server
from sentinel.rules import cli as rules_cli
from sentinel.safety import cli as safety_cli
from sentinel.spend import cli as spend_cli

app = typer.Typer(
    name="sentinel",
    help="DeepSeek Sentinel: observability and compliance sidecar for DeepSeek API calls.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    # Plain help: Rich mode keeps docstrings' line breaks mid-sentence and shows a
    # `<bool>` value after every flag, as if `--json` took one.
    rich_markup_mode=None,
)

for module in (
    demo,
    daemon,
    doctor,
    privacy_cli,
    rules_cli,
    safety_cli,
    compliance_cli,
    keys_cli,
    dashboards,
    proxy_server,
    spool_cli,
    budgets_cli,
    spend_cli,
):
    module.register(app)


def main() -> None:
    """The console script: `app`, with the configuration errors any command can meet (a
    refused setting, a missing key file) printed as one message with exit status 2
    instead of a traceback. `serve` and `proxy` say the same through `startup_errors`."""
    from pydantic import ValidationError

    from sentinel.errors import ConfigurationError
    from sentinel.settings_errors import describe

    try:
        app()
    except ValidationError as exc:
        typer.echo(f"configuration error:\n{describe(exc)}", err=True)
        raise SystemExit(2) from None
    except ConfigurationError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
