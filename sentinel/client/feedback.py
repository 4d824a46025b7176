"""`client.feedback(...)`: business metrics (quality score, satisfaction) for a call,
stored next to its CallRecord so alert rules can watch quality like they watch errors,
and counted in OTel metrics so dashboards show it next to latency and errors."""

from __future__ import annotations

from sentinel.client.record_builder import feedback_record
from sentinel.client.reporter import Reporter
from sentinel.errors import InvalidRequestError
from sentinel.models import Feedback


def record_feedback(
    reporter: Reporter,
    request_id: str,
    score: float | None,
    satisfied: bool | None,
    comment: str | None,
) -> None:
    """Validate (raising InvalidRequestError), then metrics and the sink; never blocks."""
    feedback = _build(reporter, request_id, score, satisfied, comment)
    reporter.telemetry.feedback(feedback.model, feedback.score, feedback.satisfied)
    if reporter.sink is not None:
        reporter.sink.submit(feedback)


def _build(
    reporter: Reporter,
    request_id: str,
    score: float | None,
    satisfied: bool | None,
    comment: str | None,
) -> Feedback:
    if not isinstance(request_id, str) or not request_id:
        raise InvalidRequestError("feedback needs the request_id of a call (resp.request_id)")
    if score is None and satisfied is None and comment is None:
        raise InvalidRequestError("feedback needs at least one of score, satisfied, comment")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
            raise InvalidRequestError(f"score must be a number between 0 and 1, got {score!r}")
        score = float(score)
    if satisfied is not None and not isinstance(satisfied, bool):
        raise InvalidRequestError("satisfied must be True or False")
    if comment is not None and not isinstance(comment, str):
        raise InvalidRequestError("comment must be a string")
    model, subject_key = reporter.recall(request_id)
    return feedback_record(
        request_id,
        timestamp=reporter.clock.now(),
        app=reporter.app,
        model=model,
        subject_key=subject_key,
        score=score,
        satisfied=satisfied,
        comment=comment,
    )
