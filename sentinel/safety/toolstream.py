"""A streamed answer's tool calls screened as they come: each call's `arguments` is
one stream of JSON text, held back at most the longest term and masked inside string
values only (sentinel.safety.jsontext), so the app can still parse it. A block hands the
app the arguments before the term, then the error, as for content.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sentinel.errors import ContentBlockedError
from sentinel.safety.jsontext import JsonStrings
from sentinel.safety.matcher import Match, Matcher
from sentinel.safety.stream import StreamMasker


class ToolStreams:
    """CallGuard's screening of streamed tool-call deltas (`_tool_deltas`)."""

    __slots__ = ()
    # the guard's (declared here for the reader and type checkers only)
    matcher: Matcher
    _maskers: dict[tuple[Any, ...], StreamMasker]
    _cut: str | None
    _found: Callable[[Sequence[Match], Any], None]  # count matches, raise on a block

    def _tool_deltas(self, delta: Any, choice: int, final: bool, side: Any) -> list[Any] | None:
        """A chunk's tool-call deltas with their argument pieces screened like content
        (held back at most the longest term, masked as JSON). What each call still
        holds is released with the choice's finishing chunk, as a delta of its own. A
        block leaves the deltas before the term in `delta` (`_cut`) and raises."""
        deltas = delta.tool_calls
        out: list[Any] = []
        try:
            for d in deltas or ():
                fn = d.get("function") if isinstance(d, dict) else None
                args = fn.get("arguments") if isinstance(fn, dict) else None
                if not isinstance(args, str) or not args:
                    out.append(d)
                    continue
                key = (choice, "tool", d.get("index"))  # type: ignore[union-attr]
                masker = self._maskers.get(key)
                if masker is None:
                    masker = self._maskers[key] = StreamMasker(
                        self.matcher, side.categories, side.masked, JsonStrings().mask
                    )
                released, matches = masker.feed(args)
                self._tool_found(matches, masker, released, side, out, {**d, "function": fn})
                out.append({**d, "function": {**fn, "arguments": released}})  # type: ignore[dict-item]
            if final:
                for key in [k for k in self._maskers if k[0] == choice and k[1] == "tool"]:
                    masker = self._maskers.pop(key)
                    released, matches = masker.end()
                    head = {"index": key[2], "function": {}}
                    self._tool_found(matches, masker, released, side, out, head)
                    if released:
                        out.append({"index": key[2], "function": {"arguments": released}})
        except ContentBlockedError:
            if out:  # what came before the term reaches the app ahead of the error
                delta.tool_calls = out
                self._cut = "tool_calls"
            raise
        return out or deltas

    def _tool_found(
        self,
        matches: list[Match],
        masker: StreamMasker,
        released: str,
        side: Any,
        out: list[Any],
        head: dict[str, Any],
    ) -> None:
        """Count a tool call's matches; on a block, the arguments released before the
        term go into `out` (as the delta `head` with them) before the error is raised."""
        if not matches:
            return
        try:
            self._found(matches, side)
        except ContentBlockedError:
            at = min(
                p for m, p in zip(matches, masker.starts, strict=True) if m.category in side.blocked
            )
            if released[:at]:
                out.append({**head, "function": {**head["function"], "arguments": released[:at]}})
            raise
