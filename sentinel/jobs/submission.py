"""What a submission to `POST /v1/async/chat/completions` may contain.

Kept apart from `sentinel.jobs.model` so that the job model (which the GDPR erasure
imports) does not pull in the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sentinel.client.params import build_chat_request
from sentinel.errors import InvalidRequestError

# Sentinel's own fields in a submission; the rest are chat completion parameters.
OWN_FIELDS = ("webhook_url", "subject_id", "app")
OUTBOUND = "redact_outbound"  # create()'s, not DeepSeek's: the builder does not know it


def chat_arguments(body: Mapping[str, Any], enforced: bool = False) -> dict[str, Any]:
    """The create() arguments of a submission, validated now so a bad request is a 422
    at submit rather than a failed job later. Raises InvalidRequestError naming the
    parameter. `redact_outbound` is kept for create(), as a proxied call's is; where
    the server masks every request (`enforced`), false is refused, as by the proxy."""
    request = {k: v for k, v in body.items() if k not in OWN_FIELDS}
    if request.get("stream"):
        raise InvalidRequestError("stream: async jobs cannot stream; poll or use a webhook")
    request.pop("stream", None)
    wanted = request.pop(OUTBOUND, None)
    if wanted is not None and not isinstance(wanted, bool):
        raise InvalidRequestError(f"redact_outbound must be true or false, got {wanted!r}")
    if enforced and wanted is False:
        raise InvalidRequestError(
            "redact_outbound: this server masks personal data in every request "
            "(SENTINEL_REDACT_OUTBOUND=true); an app cannot turn that off"
        )
    build_chat_request(**request)
    if wanted is not None:
        request[OUTBOUND] = wanted
    return request
