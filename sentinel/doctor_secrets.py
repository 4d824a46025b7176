"""`sentinel doctor`'s secrets checks: the upstream credential, the subject HMAC key and
the Elasticsearch credentials, by presence and source only, never by value."""

from __future__ import annotations

from sentinel.config import Settings
from sentinel.doctor_check import Check


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


def _check_subject_key(settings: Settings) -> Check:
    from sentinel.config import read_key
    from sentinel.errors import ConfigurationError

    name, key_file = "subject HMAC key", settings.subject_key_path.absolute()
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
