"""Screening the chunks of one network read together: a stream's cost is per pass of
the masker (a fold, an automaton call, the cut: microseconds each), not per character,
so the chunks that arrived together and only continue one text are screened as one
piece. None of them waits for text still to come, so none is held back longer than
when screened alone (README "Content safety").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sentinel.errors import ContentBlockedError
from sentinel.safety.matcher import Match, Matcher
from sentinel.safety.stream import StreamMasker

INPUT, OUTPUT = "input", "output"
REASONING = "reasoning_content"  # DeepSeek's thinking text, beside the answer's content


def assign(model: Any, field: str, value: str) -> None:
    """`model.field = value`. A declared field the chunk came with is written in its
    instance dict: pydantic's __setattr__ costs 0.4-2 us, as much as screening the
    piece, and for such a field (no validate_assignment, already in model_fields_set,
    so `exclude_unset` still writes it) the dict write is that same assignment. Extra
    fields live outside the dict and go through setattr."""
    values = getattr(model, "__dict__", None)
    if (
        values is not None
        and field in values
        and field in getattr(model, "__pydantic_fields_set__", ())
    ):
        values[field] = value
    else:
        setattr(model, field, value)


class ChunkRuns:
    """CallGuard's screening of a read's chunks (`screen`)."""

    __slots__ = ()
    # the guard's (declared here for the reader and type checkers only)
    matcher: Matcher
    sides: dict[str, Any]
    _held: dict[Any, Any]
    _maskers: dict[tuple[Any, ...], StreamMasker]
    _cut: str | None  # the field a block cut the chunk being screened in, before the term
    prefix: str  # a chat prefix completion's prefix, which the answer's content continues
    chunk: Callable[[Any, bool], bool]  # one chunk screened alone (the stream ends with
    # it); whether it changed
    _found: Callable[[Sequence[Match], Any], None]  # count matches, raise on a block

    def screen(self, chunks: Sequence[Any], changed: list[bool]) -> None:
        """Screen the chunks of one network read, all already here, appending to
        `changed` whether each was changed (a block raises, `changed` then covering the
        chunks before it, and the blocked one if it still brings text before the term,
        cut there). A run of them that only continues one text (most of a
        stream: one choice, a piece of its content or reasoning and nothing else to
        screen) is screened as one piece, in one pass instead of one per chunk, and each
        chunk gets its own part of what that releases: no chunk waits for another still
        to come, so none is held back longer than screened alone. A run in which a
        block is found is screened again chunk by chunk, so the stream is cut before
        the chunk that brings the term, exactly as when they came apart."""
        if len(chunks) < 2 or not self.sides[OUTPUT].categories:
            for chunk in chunks:
                self._one(chunk, changed)
            return
        run: list[Any] = []
        key: tuple[int, str] | None = None
        for chunk in chunks:
            continues = self._continues(chunk)
            if run and continues != key:
                self._run(run, key, changed)  # type: ignore[arg-type]
                run = []
                continues = self._continues(chunk)  # the run may have ended a text
            if continues is None:
                self._one(chunk, changed)
            else:
                run.append(chunk)
                key = continues
        if run:
            self._run(run, key, changed)  # type: ignore[arg-type]

    def _masker(self, key: tuple[Any, ...], side: Any) -> StreamMasker:
        """A new masker for the stream of text `key` (choice, field): an answer's content
        continues a chat prefix (`prefix`), screened as the app shows the two."""
        after = self.prefix if key[1] == "content" else ""
        return StreamMasker(self.matcher, side.categories, side.masked, after=after)

    def holding(self) -> list[int]:
        """The choices whose streamed text (or its logprobs) is still partly held back."""
        return sorted({key[0] for key in self._maskers} | set(self._held))

    def release(self, chunk: Any, changed: list[bool]) -> None:
        """The stream ended (`data: [DONE]`) without a finishing chunk for the choices
        in `holding`: `chunk`, an empty chunk of those choices, gets what they hold, so
        the end of the answer is not lost (a block cuts it like any chunk)."""
        self._one(chunk, changed, ends=True)

    def _one(self, chunk: Any, changed: list[bool], ends: bool = False) -> None:
        try:
            changed.append(self.chunk(chunk, ends))
        except ContentBlockedError:
            if self._cut is not None:  # delivered cut before the term, then the error
                changed.append(True)
            raise

    def _continues(self, chunk: Any) -> tuple[int, str] | None:
        """(choice, field) when the chunk only brings the next piece of that one text,
        which `chunk` would screen as a plain piece (no finish, tool calls, logprobs or
        end of the reasoning); else None."""
        choices = chunk.choices
        if len(choices) != 1 or self._held:
            return None
        choice = choices[0]
        delta = getattr(choice, "delta", None)  # None: a FIM chunk
        extra = choice.__pydantic_extra__  # DeepSeek sends `"logprobs": null` when not asked
        if (
            delta is None
            or choice.finish_reason is not None
            or (extra and extra.get("logprobs") is not None)
            or delta.tool_calls
        ):
            return None
        content, reasoning = delta.content, delta.reasoning_content
        if content and not reasoning and (choice.index, REASONING) not in self._maskers:
            return choice.index, "content"
        if reasoning and not content:
            return choice.index, REASONING
        return None

    def _run(self, run: list[Any], key: tuple[int, str], changed: list[bool]) -> None:
        """Screen chunks that each continue the text `key` as one piece (`screen`)."""
        if len(run) == 1:
            self._one(run[0], changed)
            return
        side = self.sides[OUTPUT]
        field = key[1]
        # (written in the delta's dict: a field the chunk came with, see `assign`)
        values = [c.choices[0].delta.__dict__ for c in run]
        pieces = [v[field] for v in values]
        masker = self._maskers.get(key)
        if masker is None:
            masker = self._maskers[key] = self._masker(key, side)
        before = masker.copy() if side.blocked else None
        end = len(masker.held)  # released from the start of what it holds: with the first
        released, matches = masker.feed("".join(pieces))
        if before is not None and any(m.category in side.blocked for m in matches):
            self._maskers[key] = before
            for chunk in run:
                self._one(chunk, changed)
            return
        self._found(matches, side)  # no block: counted only
        pos = 0
        for v, piece in zip(values, pieces, strict=True):
            end += len(piece)
            part = released[pos:end]
            pos = end
            if part == piece:
                changed.append(False)
            else:
                v[field] = part
                changed.append(True)
