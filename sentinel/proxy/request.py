"""An OpenAI-style request body (plus the sidecar's headers) as `create()` keywords.

Parameters Sentinel knows are validated by the client as for a Python app; anything
else (`seed`, `n`, fields newer than Sentinel) goes upstream untouched in `extra_body`,
so the proxy does not refuse what the upstream would accept. Subject and app come from
`X-Sentinel-Subject` / `X-Sentinel-App`, else from the body's `user` (or Sentinel's own
`subject_id`) and `metadata.app`; neither is forwarded, so a raw subject id does not
leave the sidecar (telemetry only sees its HMAC). `redact_outbound` is the sidecar's
too (never forwarded): `true` masks this request as a Python app's per-call flag does;
`false` is refused where the sidecar masks every request (SENTINEL_REDACT_OUTBOUND),
since the operator's setting is what keeps personal data from the provider.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import orjson

from sentinel.client.core import PREFIX_CHAT_PATH
from sentinel.client.lonejson import loads_lone_surrogates
from sentinel.client.params import ChatRequest, build_chat_request, build_fim_request
from sentinel.errors import InvalidRequestError
from sentinel.subjects import InvalidSubjectId, from_header, normalize_subject_id

SUBJECT_HEADER = "x-sentinel-subject"
APP_HEADER = "x-sentinel-app"
CONVERSATION_HEADER = "x-sentinel-conversation"
OUTBOUND = "redact_outbound"
# What an app may set in the body; subject, app, extra_body and the token id are the
# proxy's to fill.
_KNOWN = frozenset(inspect.signature(build_chat_request).parameters) - {
    "subject_id",
    "app",
    "extra_body",
    "extra",
    "proxy_token_id",
} | {OUTBOUND}


def parse_body(raw: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = _with_lone_surrogates(raw)
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object")
    return body


def _with_lone_surrogates(raw: bytes) -> Any:
    """A body orjson refused: JSON whose strings escape a lone surrogate is still JSON,
    read as the Python client gets such a text (screened, sent, stored as U+FFFD)."""
    try:
        return loads_lone_surrogates(raw)
    except ValueError:
        raise InvalidRequestError("request body must be JSON") from None


def create_kwargs(body: dict[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    """Keywords for `AsyncSentinel.chat.completions.create`; `body` is consumed."""
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    user = body.pop("user", None)
    subject_id = body.pop("subject_id", None)
    for name, value in body.items():
        (kwargs if name in _KNOWN else extra)[name] = value
    if extra:
        kwargs["extra_body"] = extra
    header = headers.get(SUBJECT_HEADER)
    subject = from_header(header) if header else user or subject_id
    if subject is not None:
        if not isinstance(subject, str):
            raise InvalidRequestError("user must be a string (the data subject's id)")
        try:
            kwargs["subject_id"] = normalize_subject_id(subject)
        except InvalidSubjectId as exc:
            raise InvalidRequestError(str(exc)) from None
    metadata = kwargs.get("metadata")
    app = headers.get(APP_HEADER) or (
        metadata.get("app") if isinstance(metadata, Mapping) else None
    )
    if app is not None:
        kwargs["app"] = app
    conversation = headers.get(CONVERSATION_HEADER) or (
        metadata.get("conversation_id") if isinstance(metadata, Mapping) else None
    )
    if conversation is not None:
        kwargs["conversation_id"] = conversation
    return kwargs


def hold_outbound(kwargs: dict[str, Any], enforced: bool) -> None:
    """Refuse an app's `redact_outbound: false` where the sidecar masks every request."""
    if enforced and kwargs.get(OUTBOUND) is False:
        raise InvalidRequestError(
            "redact_outbound: this proxy masks personal data in every request "
            "(SENTINEL_REDACT_OUTBOUND=true); an app cannot turn that off"
        )


def beta_chat_request(**kwargs: Any) -> ChatRequest:
    """A chat request made to DeepSeek's beta base URL (`<proxy>/beta`: chat prefix
    completion, strict tool mode) goes upstream to /beta/chat/completions as it came, not
    only when its last message is a prefix (what the client decides for itself)."""
    request = build_chat_request(**kwargs)
    request.path = PREFIX_CHAT_PATH
    return request


def fim_kwargs(body: dict[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    """Keywords for `AsyncSentinel.completions.create` (FIM): the same subject, app and
    conversation rules as chat; other fields go upstream in `extra_body`."""
    kwargs = create_kwargs(body, headers)
    known = {*inspect.signature(build_fim_request).parameters, OUTBOUND}
    extra = kwargs.pop("extra_body", {})
    for name in [k for k in kwargs if k not in known]:
        extra[name] = kwargs.pop(name)
    for name in [k for k in extra if k in known and k != "extra_body"]:
        kwargs[name] = extra.pop(name)  # prompt, suffix: not chat parameters
    if extra:
        kwargs["extra_body"] = extra
    return kwargs
