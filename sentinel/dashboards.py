"""`sentinel dashboards import --kibana URL`: load the Sentinel data views, dashboard and
saved searches into Kibana through its saved-objects import API.

Why the import API (and not one request per object): Kibana resolves references between
the objects of one upload, runs its own migrations on them, and with `overwrite=true` a
re-run after an upgrade replaces the previous version in place. All files are sent as
one upload so a dashboard in one file may reference a data view in another.

Credentials come from options or the KIBANA_API_KEY / KIBANA_USERNAME / KIBANA_PASSWORD
environment variables (prefer the environment: command lines end up in shell history
and process lists) and never appear in any message this command prints.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

# Shipped inside the package (not the current directory) so an installed wheel or the
# container image imports the same objects the tests check.
DEFAULT_DIR = Path(__file__).resolve().parent / "kibana"


class DashboardImportError(Exception):
    """The import could not be done or Kibana refused some objects; the message says why."""


@dataclass(frozen=True)
class ImportResult:
    success_count: int
    errors: list[str] = field(default_factory=list)


def read_saved_objects(paths: list[Path]) -> bytes:
    """One NDJSON upload from the files, each line checked to be a saved object so a
    broken file fails here with its name and line instead of in Kibana's logs."""
    if not paths:
        raise DashboardImportError(
            f"no dashboard files: pass NDJSON files (none found in {DEFAULT_DIR})"
        )
    lines: list[str] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DashboardImportError(f"{path}: cannot read: {exc.strerror}") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DashboardImportError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if not isinstance(obj, dict) or not obj.get("type") or not obj.get("id"):
                raise DashboardImportError(f"{path}:{number}: a saved object needs type and id")
            lines.append(line)
    if not lines:
        raise DashboardImportError("the dashboard files hold no saved objects")
    return ("\n".join(lines) + "\n").encode()


def import_url(kibana: str, space: str | None) -> str:
    """The `_import` endpoint, in a space when one is named (Kibana's /s/<id> prefix)."""
    url = httpx.URL(kibana)
    if url.scheme not in ("http", "https") or not url.host:
        raise DashboardImportError(f"--kibana must be an http(s) URL, got {kibana!r}")
    if url.userinfo:
        raise DashboardImportError(
            "--kibana must not contain credentials: use --api-key or --username/--password "
            "(or KIBANA_API_KEY / KIBANA_USERNAME / KIBANA_PASSWORD)"
        )
    if space is not None and not re.fullmatch(r"[a-z0-9_-]+", space):
        raise DashboardImportError(
            f"--space must be a Kibana space id (a-z 0-9 _ -), got {space!r}"
        )
    base = str(url).rstrip("/")
    prefix = f"/s/{space}" if space and space != "default" else ""
    return f"{base}{prefix}/api/saved_objects/_import"


def auth_header(api_key: str | None, username: str | None, password: str | None) -> str | None:
    if api_key and (username or password):
        raise DashboardImportError("use either an API key or a username/password, not both")
    if api_key:
        return f"ApiKey {api_key}"
    if username or password:
        if not (username and password):
            raise DashboardImportError("a username needs a password and vice versa")
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return f"Basic {token}"
    return None


def _describe(error: dict[str, Any]) -> str:
    """One line per refused object: which object, and Kibana's reason."""
    what = f"{error.get('type', '?')}/{error.get('id', '?')}"
    title = error.get("title") or (error.get("meta") or {}).get("title")
    if title:
        what += f" ({title})"
    detail = error.get("error") or {}
    reason = detail.get("type", "unknown")
    missing = detail.get("references") or []
    if missing:
        refs = ", ".join(f"{r.get('type')}/{r.get('id')}" for r in missing)
        reason += f": missing {refs}"
    elif detail.get("message"):
        reason += f": {detail['message']}"
    return f"{what}: {reason}"


def import_saved_objects(
    kibana: str,
    ndjson: bytes,
    *,
    authorization: str | None = None,
    space: str | None = None,
    timeout: float = 60.0,
) -> ImportResult:
    """POST the objects to Kibana with overwrite; raises DashboardImportError unless
    every object was imported."""
    url = import_url(kibana, space)
    headers = {"kbn-xsrf": "sentinel"}  # Kibana refuses API writes without it
    if authorization:
        headers["Authorization"] = authorization
    files = {"file": ("sentinel-dashboards.ndjson", ndjson, "application/ndjson")}
    try:
        response = httpx.post(
            url, params={"overwrite": "true"}, headers=headers, files=files, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise DashboardImportError(
            f"cannot reach Kibana at {url}: {type(exc).__name__}: {exc}"
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code in (401, 403):
        raise DashboardImportError(
            f"Kibana refused the credentials ({response.status_code}): "
            f"{body.get('message', 'check the API key or username/password and their privileges')}"
        )
    if response.status_code >= 400:
        message = body.get("message") or response.text[:200]
        raise DashboardImportError(f"Kibana answered {response.status_code} at {url}: {message}")
    errors = [_describe(e) for e in body.get("errors") or []]
    if not body.get("success", False) or errors:
        if not errors:
            errors = ["Kibana reported failure without details"]
        raise DashboardImportError(
            f"Kibana refused {len(errors)} saved object(s):\n" + "\n".join(errors)
        )
    return ImportResult(success_count=int(body.get("successCount", 0)))


dashboards_app = typer.Typer(help="Kibana dashboards for the Sentinel indices.")


@dashboards_app.command("import")
def import_command(
    kibana: Annotated[str, typer.Option(help="Kibana base URL, e.g. http://localhost:5601.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="NDJSON files of saved objects (default: the shipped ones)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="KIBANA_API_KEY", help="Encoded Kibana API key.")
    ] = None,
    username: Annotated[str | None, typer.Option(envvar="KIBANA_USERNAME")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="KIBANA_PASSWORD", show_default=False)
    ] = None,
    space: Annotated[str | None, typer.Option(help="Kibana space id (default: default).")] = None,
) -> None:
    """Import (overwriting) the Sentinel data views, dashboard and saved searches."""
    paths = files or sorted(DEFAULT_DIR.glob("*.ndjson"))
    try:
        ndjson = read_saved_objects(paths)
        result = import_saved_objects(
            kibana,
            ndjson,
            authorization=auth_header(api_key, username, password),
            space=space,
        )
    except DashboardImportError as exc:
        typer.echo(f"dashboards import failed: {exc}", err=True)
        raise typer.Exit(1) from None
    where = f" (space {space})" if space else ""
    typer.echo(f"imported {result.success_count} saved object(s) into {kibana}{where}")


def register(app: typer.Typer) -> None:
    """Add the `dashboards` command group to the `sentinel` app."""
    app.add_typer(dashboards_app, name="dashboards")
