"""`sentinel doctor`'s settings check. Each setting is judged on its own: a refused one
is reported (by its variable or sentinel.toml line, see `sentinel.settings_errors`) and
replaced by its default so the other checks still run; a check whose own inputs were
refused is skipped naming them, instead of every check after the first error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sentinel.config import Settings
from sentinel.doctor_check import Check, where
from sentinel.errors import ConfigurationError
from sentinel.settings_errors import SettingProblem, env_name, problems

# The settings each check reads (field names or prefixes of them).
INPUTS: dict[str, tuple[str, ...]] = {
    "secrets": ("api_key", "secret_command", "oauth_", "subject_key", "es_", "store"),
    "store": ("store", "es_"),
    "spool": ("spool_",),
    "tombstones": ("store", "es_", "tombstone_retention", "erasure_clock_skew"),
    "upstream": ("base_url", "api_key", "secret_command", "oauth_", "models_file"),
    "rules": ("rules",),
    "redaction": ("redact_",),
    "data": ("store", "es_", "anonymize_within", "calls_retention"),
}
_ROUNDS = 5  # a default can expose a check across settings: a few rounds settle it


def _default(field: str) -> Any:
    return Settings.model_fields[field].get_default(call_default_factory=True)


def load_each() -> tuple[Settings | None, list[SettingProblem]]:
    """Settings with each refused one replaced by its default, and what was refused;
    None when the refusals cannot be pinned on single settings."""
    found: list[SettingProblem] = []
    overrides: dict[str, Any] = {}
    for _ in range(_ROUNDS):
        try:
            settings = Settings(**overrides)
        except ValidationError as exc:
            new = problems(exc)
            found += new
            fields = {p.field for p in new}
            if None in fields or fields <= set(overrides):
                return None, found
            overrides |= {f: _default(f) for f in fields if f is not None}
            continue
        url_problems = _url_problems(settings) + _log_stream_problems(settings)
        found += url_problems
        for p in url_problems:
            settings = settings.model_copy(update={str(p.field): _default(str(p.field))})
        return settings, found
    return None, found


def _url_problems(settings: Settings) -> list[SettingProblem]:
    from sentinel.client.tls import validate_base_url

    out = []
    urls = [("base_url", settings.base_url)]
    urls += [("backup_base_urls", u) for u in settings.backup_base_urls]
    for field, url in urls:
        try:
            validate_base_url(url, env_name(field))
        except ConfigurationError as exc:
            out.append(SettingProblem(field, env_name(field), str(exc)))
    return out


def _log_stream_problems(settings: Settings) -> list[SettingProblem]:
    """What the client's first call-line write would refuse (ConfigurationError), seen
    without opening the file: doctor creates nothing."""
    target = settings.log_stream
    if target.lower() in ("stdout", "stderr"):
        return []
    path = Path(target).absolute()
    if path.is_dir() or not path.parent.is_dir():
        why = "is a directory" if path.is_dir() else f"directory {path.parent} does not exist"
        return [SettingProblem("log_stream", env_name("log_stream"), f"{path}: {why}")]
    return []


def refused_inputs(check: str, refused: set[str]) -> list[str]:
    """The refused settings (as variables) that `check` reads."""
    prefixes = INPUTS.get(check, ())
    return sorted(env_name(f) for f in refused if f.startswith(prefixes))


def check_each_setting() -> tuple[list[Check], Settings | None, set[str]]:
    """One row per refused setting (or one ok row), the settings to run the other checks
    with, and the names of the refused fields."""
    settings, found = load_each()
    refused = {p.field for p in found if p.field is not None}
    rows = [Check("settings", "fail", str(p), _fix(p)) for p in found]
    if settings is not None and not found:
        source = "sentinel.toml + environment" if Path("sentinel.toml").exists() else "environment"
        backups = len(settings.backup_base_urls)
        detail = f"valid ({source}); upstream {where(settings.base_url)} + {backups} backup(s)"
        rows = [Check("settings", "ok", detail)]
    return rows, settings, refused


def _fix(p: SettingProblem) -> str:
    if p.field in ("base_url", "backup_base_urls"):
        return f"set {p.where} to an https:// URL (http only for loopback)"
    return p.fix


def check_settings() -> tuple[Check, Settings | None]:
    """All settings at once: one row, and the settings only when every one is valid."""
    rows, settings, _ = check_each_setting()
    if len(rows) == 1 and rows[0].status == "ok":
        return rows[0], settings
    detail = "; ".join(r.detail for r in rows)
    return Check("settings", "fail", detail, "; ".join(dict.fromkeys(r.fix for r in rows))), None
