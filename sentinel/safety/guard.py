"""One call through the safety filter: the prompt screened before it is sent, the
answer (whole or streamed) screened before the app sees it, and what was found.

The client creates a guard per call (`SafetyFilter.begin`) and hands it the messages,
the completion or each chunk (a network read's chunks at once: sentinel.safety.runs).
A `block` match fails the call (`ContentBlockedError`, recorded on the call like any
failure) before the prompt leaves or before the blocked text reaches the app; `mask`
replaces the matched characters with `*`; every match is counted by category. Only
categories and counts ever leave the guard (span, call record, counter), never the text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sentinel.errors import ContentBlockedError
from sentinel.models import CallSafety
from sentinel.safety.alternatives import Alternatives
from sentinel.safety.cut import cut
from sentinel.safety.jsontext import JsonStrings
from sentinel.safety.lists import RANK
from sentinel.safety.logprobs import HeldLogprobs, choice_logprobs, mask_logprobs
from sentinel.safety.matcher import Match, Matcher
from sentinel.safety.runs import INPUT, OUTPUT, REASONING, ChunkRuns, assign
from sentinel.safety.stream import Mask, StreamMasker, mask_spans
from sentinel.safety.toolstream import ToolStreams

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


class CallGuard(ChunkRuns, ToolStreams):
    __slots__ = (
        "_alts", "_call", "_changed", "_count", "_cut", "_held", "_maskers", "action", "counts",
        "matcher", "prefix", "prompt", "sides", "tool_defs",
    )  # fmt: skip

    def __init__(
        self, matcher: Matcher, sides: dict[str, Direction], call: Call, count: Counter
    ) -> None:
        self.matcher = matcher
        self.sides = sides
        self._call = call
        self._count = count
        self.counts: dict[str, int] = {}
        self.action: str | None = None
        # per stream of text: (choice, field) or (choice, "tool", tool call index)
        self._maskers: dict[tuple[Any, ...], StreamMasker] = {}
        self._held: dict[Any, HeldLogprobs] = {}  # per choice: its content's logprobs
        self.prompt: list[dict[str, Any]] | None = None  # the screened prompt
        self.tool_defs: list[Any] | None = None  # the screened tool definitions
        self._changed = False  # the chunk being screened was changed
        self._cut: str | None = None  # a block cut that chunk in this field (ChunkRuns)
        self._alts: Alternatives | None = None  # the answer's `top_logprobs`, screened
        # a chat prefix completion's prefix (the last message, the assistant's, `prefix:
        # True`): the app shows it and the answer as one text, screened so (`continued`)
        self.prefix = ""

    def _alternatives(self, logprobs: Any) -> Any:
        """`logprobs` with their alternatives screened (sentinel.safety.alternatives)."""
        if logprobs is None:
            return None
        if self._alts is None:
            self._alts = Alternatives(self.matcher, self.sides[OUTPUT])
        return self._alts.logprobs(logprobs)

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

    def _masked(
        self, text: str, side: Direction, found: list[Match], mask: Mask = mask_spans
    ) -> str:
        folded, matches = self.matcher.scan(text)
        matches = [m for m in matches if m.category in side.categories]
        if not matches:
            return text
        found.extend(matches)
        spans = [folded.raw_span(m.start, m.end) for m in matches if m.category in side.masked]
        return mask(text, spans, 0)

    def messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        """Screen a prompt (texts, earlier thinking and the arguments of earlier tool
        calls); the messages to send instead (masked copies), or None if they go as
        they are. A blocked prompt raises ContentBlockedError (the call already
        failed) and leaves its masked form in `prompt`: what the conversation store
        keeps of it, so a listed term is never stored because it was refused."""
        last = messages[-1] if messages else None
        if isinstance(last, dict) and last.get("role") == "assistant" and last.get("prefix"):
            self.prefix = last.get("content") if isinstance(last.get("content"), str) else ""
        side = self.sides[INPUT]
        if not side.categories:
            return None
        found: list[Match] = []
        out = [self._message(m, side, found) for m in messages]
        changed = any(new is not old for new, old in zip(out, messages, strict=True))
        self.prompt = out
        self._found(found, side)
        return out if changed else None

    def tools(self, tools: list[Any]) -> list[Any]:
        """Screen a request's tool definitions, which go upstream with the prompt: names,
        descriptions and every other string of the JSON-schema parameters. A mask
        replaces letters inside a string value, so the definitions stay the same JSON;
        keys (parameter names) are screened too but never rewritten, as a renamed or
        merged key would change the schema the model fills in. Returns the definitions
        to send (the same list when nothing was masked); a block raises, leaving the
        masked ones in `tool_defs` for the store."""
        side = self.sides[INPUT]
        if not side.categories:
            return tools
        found: list[Match] = []
        self.tool_defs = [self._schema(t, side, found) for t in tools]
        self._found(found, side)
        return self.tool_defs

    def texts(self, texts: list[str]) -> list[str]:
        """Screen request texts sent upstream beside the prompt (stop sequences): the
        list to send (the same one when nothing was masked); a block raises."""
        side = self.sides[INPUT]
        if not side.categories:
            return texts
        found: list[Match] = []
        out = [self._masked(t, side, found) for t in texts]
        self._found(found, side)
        return texts if out == texts else out

    def redacted(self, text: str) -> str:
        """`text` with every listed term masked, whatever its category's action or
        direction, nothing counted: for the request parameters telemetry and the call
        record carry (stop sequences, tool names, the tool choice), as a matched term
        never reaches telemetry, not even a flagged one."""
        folded, matches = self.matcher.scan(text)
        if not matches:
            return text
        return mask_spans(text, [folded.raw_span(m.start, m.end) for m in matches])

    def masked_name(self, name: str) -> str:
        """A tool's name as its screened definition spells it, nothing counted (the
        definition counted it): for the request's `tool_choice`, which must name a
        tool the request offers."""
        return self._masked(name, self.sides[INPUT], [])

    def masked_tools(self, tools: list[Any]) -> list[Any]:
        """The definitions with their terms masked, nothing counted: what the store keeps
        of a request refused for its prompt before its tools were screened."""
        return [self._schema(t, self.sides[INPUT], []) for t in tools]

    def _schema(self, value: Any, side: Direction, found: list[Match]) -> Any:
        if isinstance(value, str):
            return self._masked(value, side, found) if value else value
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(key, str) and key:
                    self._masked(key, side, found)  # counted (and blocked), kept as it is
                out[key] = self._schema(item, side, found)
            return value if all(out[k] is value[k] for k in value) else out
        if isinstance(value, list):
            items = [self._schema(item, side, found) for item in value]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value

    def _message(self, message: dict[str, Any], side: Direction, found: list[Match]) -> Any:
        update: dict[str, Any] = {}
        content = message.get("content")
        if isinstance(content, str):
            new: Any = self._masked(content, side, found)
        elif isinstance(content, list):
            new = [self._part(p, side, found) for p in content]
        else:
            new = content
        if new is not content and new != content:
            update["content"] = new
        # a participant's name goes upstream with the message (the model reads it)
        name = message.get("name")
        if isinstance(name, str) and name and (screened := self._masked(name, side, found)) != name:
            update["name"] = screened
        # an earlier turn's thinking, which apps send back on tool-call turns: it goes
        # upstream (and into the store) like the content beside it
        reasoning = message.get(REASONING)
        if reasoning and (screened := self._schema(reasoning, side, found)) != reasoning:
            update[REASONING] = screened  # (a list or object too: it goes as it is)
        calls = message.get("tool_calls")
        if isinstance(calls, list) and (screened := self._tool_calls(calls, side, found, True)):
            update["tool_calls"] = screened
        return {**message, **update} if update else message

    def _part(self, part: Any, side: Direction, found: list[Match]) -> Any:
        if isinstance(part, str):  # not OpenAI's shape, but the client sends it as it is
            return self._masked(part, side, found)
        if isinstance(part, dict) and part.get("text"):  # a list or object text goes too
            text = self._schema(part["text"], side, found)
            return part if text == part["text"] else {**part, "text": text}
        return part

    def _tool_calls(
        self, calls: list[Any], side: Direction, found: list[Match], names: bool = False
    ) -> list[Any] | None:
        """Tool calls with their JSON arguments screened (a mask keeps them valid JSON:
        sentinel.safety.jsontext; arguments sent as an object are screened as one), and
        with `names` (a prompt's earlier calls: the model reads them) their function
        names, masked as the tool definitions' are; None when nothing was masked."""
        out: list[Any] = []
        for call in calls:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict):
                new, args, name = dict(fn), fn.get("arguments"), fn.get("name")
                if isinstance(args, str) and args:
                    new["arguments"] = self._masked(args, side, found, JsonStrings().mask)
                elif args:
                    new["arguments"] = self._schema(args, side, found)
                if names and isinstance(name, str) and name:
                    new["name"] = self._masked(name, side, found)
                if new != fn:
                    call = {**call, "function": new}  # type: ignore[dict-item]
            out.append(call)
        return out if any(a is not b for a, b in zip(out, calls, strict=True)) else None

    def completion(self, completion: Any) -> None:
        """Screen a whole answer in place: each choice's content, in thinking mode its
        `reasoning_content`, and its tool calls' arguments (all reach the app)."""
        side = self.sides[OUTPUT]
        if not side.categories:
            return
        found: list[Match] = []
        for choice in completion.choices:
            message = getattr(choice, "message", None)
            if message is None:  # a FIM answer: its `text`
                if isinstance(choice.text, str) and choice.text:
                    text = choice.text
                    choice.text = self._masked(text, side, found)
                    _mask_logprobs(choice, text, choice.text)
                self._choice_alternatives(choice)
                continue
            for field in TEXT_FIELDS:
                text = getattr(message, field, None)
                if isinstance(text, str) and text:
                    if field == "content" and self.prefix:
                        setattr(message, field, self._continued(text, side, found))
                        continue
                    setattr(message, field, self._masked(text, side, found))
                    if field == "content":  # the tokens spell the content out
                        _mask_logprobs(choice, text, message.content)
            self._choice_alternatives(choice)
            calls = message.tool_calls
            if calls and (screened := self._tool_calls(calls, side, found)):
                message.tool_calls = screened
        self._found(found, side)

    def _continued(self, text: str, side: Direction, found: list[Match]) -> str:
        """A prefix completion's answer screened as what the app shows, the prefix and
        then it: a term the prefix begins and the answer ends is found, and masked in
        the answer's characters (the prefix is the app's own, screened as the prompt)."""
        masker = StreamMasker(self.matcher, side.categories, side.masked, after=self.prefix)
        released, matches = masker.feed(text, final=True)
        found.extend(matches)
        return released

    def _choice_alternatives(self, choice: Any) -> None:
        # (the extras read directly: getattr of an absent extra raises inside pydantic,
        # ~2 us, as much as the rest of a whole answer's bookkeeping)
        extra = getattr(choice, "__pydantic_extra__", None)
        logprobs = extra.get("logprobs") if extra else None
        if logprobs is not None and (screened := self._alternatives(logprobs)) is not logprobs:
            choice.logprobs = screened

    # streams -------------------------------------------------------------

    def chunk(self, chunk: Any, ends: bool = False) -> bool:
        """Screen one streamed chunk in place: its texts become what can be released
        now. What is held back comes out with a later chunk: the reasoning's rest with
        the first content (the reasoning is over then), the content's with the choice's
        finishing chunk (or with `ends`: the stream ends after this chunk). Returns
        whether the chunk changed (texts, tool calls or logprobs): one that did not can
        be relayed as it came. A block raises; if text or choices before the term are
        left (`_cut`), the chunk is trimmed to what was screened (cut.cut)."""
        side = self.sides[OUTPUT]
        if not side.categories:
            return False
        self._changed = False
        self._cut = None
        for i, choice in enumerate(chunk.choices):
            try:
                self._choice(choice, ends or choice.finish_reason is not None, side)
            except ContentBlockedError as error:
                self._cut = cut(self, chunk, i, error, ends)
                raise
        return self._changed

    def _forget(self, index: int) -> None:
        """A block cut choice `index`: what it holds back (the term, or what follows
        what was delivered) is never released. The other choices' held text is (the
        parser's last chunk before the error: `holding`)."""
        for key in [k for k in self._maskers if k[0] == index]:
            del self._maskers[key]
        self._held.pop(index, None)

    def _choice(self, choice: Any, final: bool, side: Direction) -> None:
        maskers = self._maskers
        delta = getattr(choice, "delta", None)
        if delta is None:  # a FIM chunk: its `text` piece is the content
            self._content(choice, choice, "text", final, side)
            return
        # (each field by hand, not a loop over TEXT_FIELDS: a stream pays this per
        # chunk, and a reasoning field that is absent should cost one attribute)
        content = delta.content
        if content or (final and (choice.index, "content") in maskers):
            if choice.__pydantic_extra__ or self._held:  # logprobs may come with it
                self._content(choice, delta, "content", final, side)
            else:
                self._piece(delta, choice.index, "content", final, side)
        if getattr(delta, REASONING, None) or (choice.index, REASONING) in maskers:
            self._piece(delta, choice.index, REASONING, final or bool(content), side)
        if delta.tool_calls or (final and maskers):
            calls = self._tool_deltas(delta, choice.index, final, side)
            if calls != delta.tool_calls:
                self._changed = True
            delta.tool_calls = calls

    def _content(self, choice: Any, owner: Any, field: str, ends: bool, side: Direction) -> None:
        """Screen a choice's answer piece (`owner.field`) and the `logprobs` that spell
        it: held back and released with the text (sentinel.safety.logprobs)."""
        extra = choice.__pydantic_extra__
        logprobs = extra.get("logprobs") if extra else None
        held = self._held.get(choice.index)
        if logprobs is None and held is None:  # most streams: no logprobs asked for
            self._piece(owner, choice.index, field, ends, side)
            return
        if held is None:
            masker = self._maskers.get((choice.index, field))
            held = self._held[choice.index] = HeldLogprobs(masker.held if masker else "")
        text = getattr(owner, field, None)
        released = self._piece(owner, choice.index, field, ends, side)
        piece = text if isinstance(text, str) else ""
        screened = self._alternatives(
            held.feed(piece, logprobs, piece if released is None else released)
        )
        if ends:
            del self._held[choice.index]
        if screened is not logprobs:
            if screened != logprobs:
                self._changed = True
            choice.logprobs = screened

    def _piece(
        self, owner: Any, choice: int, field: str, ends: bool, side: Direction
    ) -> str | None:
        """Screen `owner.field`, the next piece of one stream of text, in place (`ends`:
        the stream is over, release what it holds); what was released, None if the
        piece was left as it is."""
        text = getattr(owner, field, None)
        if not isinstance(text, str):
            text = None
        key = (choice, field)
        masker = self._maskers.get(key)
        if not text and not (ends and masker is not None):
            return None
        if masker is None:
            masker = self._maskers[key] = self._masker(key, side)
        released, matches = masker.feed(text or "", final=ends)
        if matches:
            try:
                self._found(matches, side)
            except ContentBlockedError:
                # what comes before the blocked term is delivered ahead of the error
                at = min(
                    p
                    for m, p in zip(matches, masker.starts, strict=True)
                    if m.category in side.blocked
                )
                if released[:at]:
                    assign(owner, field, released[:at])
                    self._cut = field
                raise
        if ends:
            del self._maskers[key]
        if released != text and (text is not None or released):
            self._changed = True
            assign(owner, field, released)
        return released


def _mask_logprobs(choice: Any, original: str, masked: str) -> None:
    if masked != original and (logprobs := choice_logprobs(choice)) is not None:
        choice.logprobs = mask_logprobs(logprobs, original, masked)
