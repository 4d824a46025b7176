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


def chat_arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    """The create() arguments of a submission, validated now so a bad request is a 422
    at submit rather than a failed job later. Raises InvalidRequestError naming the
    parameter."""
    request = {k: v for k, v in body.items() if k not in OWN_FIELDS}
    if request.get("stream"):
        raise InvalidRequestError("stream: async jobs cannot stream; poll or use a webhook")
    request.pop("stream", None)
    build_chat_request(**request)
    return request
