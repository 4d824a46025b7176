"""One webhook delivery attempt: re-check the allow-list, sign, POST, classify.

Redirects are never followed (a 3xx is a permanent failure: following it would let an
allowed host bounce the request to one that is not), the response body is never read
(a hostile receiver cannot make us buffer gigabytes), and every other non-2xx answer
or network error is retried on the schedule, as receivers that are down usually answer
503 or nothing at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from sentinel import __version__
from sentinel.client.secrets import SecretSource
from sentinel.clock import Clock
from sentinel.errors import ConfigurationError
from sentinel.jobs.allowlist import AllowList, WebhookNotAllowed
from sentinel.jobs.model import idempotency_key, result_view
from sentinel.jobs.signing import signed_headers

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    error: str | None = None
    permanent: bool = False


def payload(job: dict[str, Any]) -> bytes:
    """The webhook body: the job's outcome as `GET /v1/async/jobs/{id}` shows it."""
    return json.dumps(result_view(job), separators=(",", ":"), ensure_ascii=False).encode()


def new_http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)


def deliver(
    http: httpx.Client, job: dict[str, Any], allow: AllowList, secret: SecretSource, clock: Clock
) -> Outcome:
    url = job["webhook"]["url"]
    try:
        allow.check(url)
    except WebhookNotAllowed as exc:
        return Outcome(False, str(exc), permanent=True)
    try:
        key = secret.read().encode()
    except ConfigurationError as exc:  # an operator can still fix it: retry
        return Outcome(False, str(exc))
    body = payload(job)
    headers = signed_headers(key, int(clock.now().timestamp()), body, idempotency_key(job["id"]))
    headers["User-Agent"] = f"deepseek-sentinel/{__version__}"
    headers["X-Sentinel-Delivery-Attempt"] = str(job["webhook"]["attempts"] + 1)
    try:
        with http.stream("POST", url, content=body, headers=headers) as resp:
            status = resp.status_code
    except httpx.HTTPError as exc:
        return Outcome(False, f"{type(exc).__name__} contacting the webhook")
    if 200 <= status < 300:
        return Outcome(True)
    if 300 <= status < 400:
        return Outcome(
            False, f"HTTP {status}: redirects are not followed; use the final URL", permanent=True
        )
    return Outcome(False, f"HTTP {status}")
