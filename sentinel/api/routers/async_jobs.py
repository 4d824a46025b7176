"""Async chat completions over HTTP, the API guide's asynchronous mode.

    POST /v1/async/chat/completions   chat parameters (+ webhook_url, subject_id, app)
                                      -> 202 {"id", "status": "queued"} + Location
    GET  /v1/async/jobs/{id}          -> status, and the ChatCompletion once succeeded

Tokens need the `proxy` scope (or `admin`): async jobs are the sidecar's other way of
calling DeepSeek for an app, with the same trust. A job is visible only to the token
that submitted it (any other token gets 404, as for an unknown id), except `admin`.
Subject and app may also come as `X-Sentinel-Subject` / `X-Sentinel-App` headers, as
on the proxy. A `webhook_url` whose host is not allowed (SENTINEL_WEBHOOK_ALLOWED_HOSTS,
see `sentinel.jobs.allowlist`) is refused with 422 naming the reason. A client that
retries a POST sends an `Idempotency-Key` header: the same key (per token) returns the
same job (`Idempotent-Replayed: true`) instead of running the completion twice.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from sentinel.api.state import api_state
from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.compliance.subjects import subject_key
from sentinel.errors import ConfigurationError, InvalidRequestError
from sentinel.jobs.allowlist import AllowList, WebhookNotAllowed
from sentinel.jobs.model import is_job_id, status_view
from sentinel.jobs.queue import IdempotencyConflict
from sentinel.jobs.signing import secret_source
from sentinel.jobs.submission import chat_arguments
from sentinel.subjects import InvalidSubjectId, from_header, normalize_subject_id
from sentinel.web.tokens import TokenInfo, require_scope

router = APIRouter(tags=["async"])

ProxyToken = Annotated[TokenInfo, Depends(require_scope("proxy"))]

SUBMIT_EXAMPLE = {
    "model": "deepseek-v4-flash",
    "messages": [{"role": "user", "content": "Summarize our refund policy."}],
    "temperature": 0.3,
    "webhook_url": "https://hooks.example.com/sentinel",
}


def _invalid(field: str, message: str, kind: str) -> HTTPException:
    # The shape of every other 422 here (sentinel.web.middleware): where and why.
    loc = ["body", field] if field else ["body"]
    return HTTPException(422, [{"loc": loc, "msg": message, "type": kind}])


def _webhook(request: Request, url: Any) -> str | None:
    if url is None:
        return None
    settings = api_state(request.app).settings
    try:
        AllowList(settings.webhook_allowed_hosts).check(url)
        secret_source(settings)
    except WebhookNotAllowed as exc:
        raise _invalid("webhook_url", str(exc), "webhook_not_allowed") from None
    except ConfigurationError as exc:
        raise _invalid("webhook_url", str(exc), "webhook_not_configured") from None
    return url


def _one(field: str, body_value: Any, header_value: str | None) -> Any:
    if header_value is not None and body_value is not None and header_value != body_value:
        raise _invalid(field, f"{field} and its X-Sentinel header disagree", "value_error")
    return body_value if body_value is not None else header_value


def _app(app: str | None, token: TokenInfo) -> str | None:
    """The job's app: the one named, checked, and held to a token bound to one app
    (`sentinel tokens create --app`)."""
    if app is not None:
        try:
            validate_app_name(app)
        except InvalidAppName as exc:
            raise _invalid("app", str(exc), "value_error") from None
    if token.app is not None:
        if app is not None and app != token.app:
            raise HTTPException(403, "this token is bound to another app")
        app = token.app
    return app


@router.post(
    "/v1/async/chat/completions",
    status_code=202,
    summary="Queue a chat completion",
    description="OpenAI chat parameters plus optional `webhook_url`, `subject_id`, `app`.",
    responses={
        202: {"description": "Queued; poll the Location or wait for the webhook."},
        401: {"description": "Missing, invalid or revoked bearer token."},
        403: {"description": "The token lacks the proxy scope."},
        422: {"description": "Invalid parameters or a webhook_url that is not allowed."},
    },
)
def submit(
    request: Request,
    token: ProxyToken,
    body: Annotated[dict[str, Any], Body(examples=[SUBMIT_EXAMPLE])],
    x_sentinel_subject: Annotated[str | None, Header()] = None,
    x_sentinel_app: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            pattern=r"^[\x21-\x7e]{1,255}$",
            description="Retrying a POST with the same key returns the same job.",
        ),
    ] = None,
) -> JSONResponse:
    state = api_state(request.app)
    try:
        arguments = chat_arguments(body, state.settings.redact_outbound)
    except InvalidRequestError as exc:
        raise _invalid("", str(exc), "value_error") from None
    except (TypeError, AttributeError):  # a value of a shape the checks did not expect
        raise _invalid("", "invalid chat parameters", "type_error") from None
    webhook_url = _webhook(request, body.get("webhook_url"))
    header_subject = from_header(x_sentinel_subject) if x_sentinel_subject is not None else None
    subject = _one("subject_id", body.get("subject_id"), header_subject)
    key = None
    if subject is not None:
        try:
            subject = normalize_subject_id(subject)
        except InvalidSubjectId as exc:
            raise _invalid("subject_id", str(exc), "value_error") from None
        key = subject_key(subject, state.settings)
    app = _app(_one("app", body.get("app"), x_sentinel_app), token)
    queue, now = state.job_queue, state.clock.now()
    fields = {"app": app, "subject_id": subject, "subject_key": key, "webhook_url": webhook_url}
    created = True
    if idempotency_key is None:
        job = queue.submit(arguments, now=now, owner=token.id, **fields)
    else:
        try:
            job, created = queue.submit_once(idempotency_key, arguments, now=now,
                                             owner=token.id, **fields)  # fmt: skip
        except IdempotencyConflict as exc:
            error = {"loc": ["header", "Idempotency-Key"], "msg": str(exc), "type": "conflict"}
            raise HTTPException(422, [error]) from None
    if state.job_runtime is not None:
        state.job_runtime.wake()
    headers = {"Location": f"/v1/async/jobs/{job['id']}"}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(
        {"id": job["id"], "object": "chat.completion.job", "status": job["status"],
         "created_at": job["created_at"]},
        status_code=202,
        headers=headers,
    )  # fmt: skip


@router.get(
    "/v1/async/jobs/{job_id}",
    summary="Status and result of an async job",
    responses={
        401: {"description": "Missing, invalid or revoked bearer token."},
        403: {"description": "The token lacks the proxy scope."},
        404: {"description": "No such job for this token."},
    },
)
def get_job(job_id: str, request: Request, token: ProxyToken) -> dict[str, Any]:
    job = api_state(request.app).job_queue.get(job_id) if is_job_id(job_id) else None
    if job is None or (job.get("owner") != token.id and "admin" not in token.scopes):
        raise HTTPException(404, "no such job")
    return status_view(job)
