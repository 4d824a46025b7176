"""`sentinel doctor`'s upstream checks: GET /models on the primary (reachable, credential
accepted), the clock against its `Date` header, and the model catalogue against the
list it returned. Only the scheme, host and port of a URL are ever shown."""

from __future__ import annotations

import contextlib
import email.utils
import time
from datetime import UTC, datetime
from typing import Any

from sentinel.config import Settings
from sentinel.doctor_check import Check, where
from sentinel.errors import ConfigurationError


def check_models(settings: Settings, response: Any) -> Check:
    """The model catalogue (shipped + SENTINEL_MODELS_FILE) against the upstream's list."""
    from sentinel.client import catalogue

    try:
        known = catalogue.load(settings.models_file)
    except ConfigurationError as exc:
        return Check("models", "fail", str(exc), "fix SENTINEL_MODELS_FILE at the line named")
    models_url = f"{where(settings.base_url)}/models"
    if response is None or response.status_code != 200:
        why = "unreachable" if response is None else f"answered {response.status_code}"
        return Check(
            "models",
            "warn",
            f"not compared with the upstream: {models_url} {why}",
            "run `sentinel doctor` again once DEEPSEEK_BASE_URL answers GET /models",
        )
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
    upstream = where(settings.base_url)
    try:
        before = time.time()
        response = httpx.get(url, headers=headers, timeout=timeout, verify=ssl_context())
        after = time.time()
    except httpx.HTTPError as exc:
        fix = "check DEEPSEEK_BASE_URL, DNS, proxy (HTTPS_PROXY) and firewall"
        return [
            Check("upstream", "fail", f"{upstream} unreachable: {type(exc).__name__}", fix),
            Check("clock skew", "skip", f"not measured: {upstream} unreachable"),
            *([check_models(settings, None)] if models else []),
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
