"""One call through the safety filter: the prompt screened before it is sent, the
answer (whole or streamed) screened before the app sees it, and what was found.

The client creates a guard per call (`SafetyFilter.begin`) and hands it the messages,
the completion or each chunk. A `block` match fails the call (`ContentBlockedError`,
recorded on the call like any failure) before the prompt leaves or before the blocked
text reaches the app; `mask` replaces the matched characters with `*`; every match is
counted by category. Only categories and counts ever leave the guard: never the
matched text (the span, the call record and the counter carry categories only).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sentinel.errors import ContentBlockedError
from sentinel.models import CallSafety
from sentinel.safety.lists import RANK
from sentinel.safety.matcher import Match, Matcher
from sentinel.safety.stream import StreamMasker, mask_spans

INPUT, OUTPUT = "input", "output"
REASONING = "reasoning_content"  # DeepSeek's thinking text, beside the answer's content
TEXT_FIELDS = ("content", REASONING)
Counter = Callable[[str, str, str, int], None]  # category, action, direction, matches


class Call(Protocol):
    """What a guard needs of the client's per-call observation."""

    request_id: str
    span: Any

    def fail(self, error: BaseException) -> None: ...


class Direction:
    """The categories that apply to one direction, split by action."""

    def __init__(self, matcher: Matcher, direction: str) -> None:
        policies = [p for p in matcher.policies.values() if p.applies_to(direction)]
        self.name = direction
        self.categories = frozenset(p.category for p in policies)
        self.masked = frozenset(p.category for p in policies if p.action != "flag")
        self.blocked = frozenset(p.category for p in policies if p.action == "block")


class CallGuard:
    __slots__ = ("_call", "_count", "_maskers", "action", "counts", "matcher", "sides")

    def __init__(
        self, matcher: Matcher, sides: dict[str, Direction], call: Call, count: Counter
    ) -> None:
        self.matcher = matcher
        self.sides = sides
        self._call = call
        self._count = count
        self.counts: dict[str, int] = {}
        self.action: str | None = None
        self._maskers: dict[tuple[int, str], StreamMasker] = {}

    # what was found ------------------------------------------------------

    def _found(self, matches: Sequence[Match], side: Direction) -> None:
        if not matches:
            return
        by_category: dict[str, int] = {}
        for m in matches:
            by_category[m.category] = by_category.get(m.category, 0) + 1
        for category, n in by_category.items():
            action = self.matcher.policies[category].action
            self.counts[category] = self.counts.get(category, 0) + n
            if self.action is None or RANK[action] > RANK[self.action]:
                self.action = action
            self._count(category, action, side.name, n)
        span = self._call.span
        if span is not None:
            with contextlib.suppress(Exception):  # telemetry never fails a call
                span.set_attributes(
                    {
                        "sentinel.safety.categories": sorted(self.counts),
                        "sentinel.safety.matches": sum(self.counts.values()),
                        "sentinel.safety.action": self.action or "flag",
                    }
                )
        blocked = sorted({m.category for m in matches} & side.blocked)
        if blocked:
            error = ContentBlockedError(blocked, side.name, request_id=self._call.request_id)
            self._call.fail(error)
            raise error

    def summary(self) -> CallSafety | None:
        """For the call record: categories and counts, None when nothing matched."""
        if not self.counts:
            return None
        return CallSafety(
            categories=sorted(self.counts),
            action=self.action or "flag",
            matches=sum(self.counts.values()),
            counts=dict(self.counts),
        )

    # whole texts ---------------------------------------------------------

    def _text(self, text: str, side: Direction) -> str:
        folded, matches = self.matcher.scan(text)
        matches = [m for m in matches if m.category in side.categories]
        if not matches:
            return text
        self._found(matches, side)
        spans = [folded.raw_span(m.start, m.end) for m in matches if m.category in side.masked]
        return mask_spans(text, spans)

    def messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Screen a prompt; the messages to send instead (masked copies), or None if
        they go as they are. Raises ContentBlockedError (the call already failed)."""
        side = self.sides[INPUT]
        if not side.categories:
            return None
        out: list[dict[str, Any]] = []
        changed = False
        for message in messages:
            content = message.get("content")
            new: Any = content
            if isinstance(content, str):
                new = self._text(content, side)
            elif isinstance(content, list):
                new = [self._part(p, side) for p in content]
            if new is not content and new != content:
                message = {**message, "content": new}
                changed = True
            out.append(message)
        return out if changed else None

    def _part(self, part: Any, side: Direction) -> Any:
        if isinstance(part, str):  # not OpenAI's shape, but the client sends it as it is
            return self._text(part, side)
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            text = self._text(part["text"], side)
            return part if text == part["text"] else {**part, "text": text}
        return part

    def completion(self, completion: Any) -> None:
        """Screen a whole answer in place: each choice's content and, in thinking mode,
        its `reasoning_content` (both reach the app)."""
        side = self.sides[OUTPUT]
        if not side.categories:
            return
        for choice in completion.choices:
            message = choice.message
            for field in TEXT_FIELDS:
                text = getattr(message, field, None)
                if isinstance(text, str) and text:
                    setattr(message, field, self._text(text, side))

    # streams -------------------------------------------------------------

    def chunk(self, chunk: Any) -> None:
        """Screen one streamed chunk in place: its texts become what can be released
        now. What is held back comes out with a later chunk: the reasoning's rest with
        the first content (the reasoning is over then), the content's with the choice's
        finishing chunk."""
        side = self.sides[OUTPUT]
        if not side.categories:
            return
        for choice in chunk.choices:
            delta = choice.delta
            final = choice.finish_reason is not None
            for field in TEXT_FIELDS:
                text = getattr(delta, field, None)
                if not isinstance(text, str):
                    text = None
                masker = self._maskers.get((choice.index, field))
                ends = final or (field == REASONING and bool(delta.content))
                if not text and not (ends and masker is not None):
                    continue
                if masker is None:
                    masker = self._maskers[(choice.index, field)] = StreamMasker(
                        self.matcher, side.categories, side.masked
                    )
                released, matches = masker.feed(text or "", final=ends)
                self._found(matches, side)
                if ends:
                    del self._maskers[(choice.index, field)]
                if text is not None or released:
                    setattr(delta, field, released)
