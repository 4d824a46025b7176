"""The alternatives beside each answer token (`top_logprobs`): tokens the model did not
write, but the app receives them, so a listed term among them is masked or dropped like
one in the answer. Pure.

Each alternative is screened as a text of its own (one token: a word or a piece of
one). A mask category masks its characters (chat's `token` and `bytes`; a legacy map's
key); a block category drops the alternative, as the answer it stands beside was not
blocked: refusing a clean answer for a word the model considered and did not write would
make every `top_logprobs` call fail on a common token. They are not counted either: the
call's categories say what the answer held, not what it could have held.
"""

from __future__ import annotations

from typing import Any

from sentinel.safety.matcher import Matcher
from sentinel.safety.stream import mask_spans

_DROP = None  # an alternative with a blocked term


class Alternatives:
    """One call's screening of alternatives (the same token recurs: cached)."""

    __slots__ = ("_blocked", "_categories", "_masked", "_matcher", "_seen")

    def __init__(self, matcher: Matcher, side: Any) -> None:
        self._matcher = matcher
        self._categories = side.categories
        self._masked = side.masked
        self._blocked = side.blocked
        self._seen: dict[str, str | None] = {}

    def token(self, token: str) -> str | None:
        """`token` as the app may see it: masked, the same, or None (dropped)."""
        if token in self._seen:
            return self._seen[token]
        folded, matches = self._matcher.scan(token)
        matches = [m for m in matches if m.category in self._categories]
        out: str | None = token
        if any(m.category in self._blocked for m in matches):
            out = _DROP
        elif spans := [
            folded.raw_span(m.start, m.end) for m in matches if m.category in self._masked
        ]:
            out = mask_spans(token, spans)
        self._seen[token] = out
        return out

    def logprobs(self, logprobs: Any) -> Any:
        """`logprobs` (either shape, as sent or as masked with the text) with every
        alternative screened; the same object when none changed."""
        if not isinstance(logprobs, dict) or not self._masked:
            return logprobs
        content = logprobs.get("content")
        if isinstance(content, list):
            entries = [self._entry(e) for e in content]
            if all(a is b for a, b in zip(entries, content, strict=True)):
                return logprobs
            return {**logprobs, "content": entries}
        maps = logprobs.get("top_logprobs")
        if isinstance(maps, list) and "content" not in logprobs:
            screened = [self._map(m) for m in maps]
            if all(a is b for a, b in zip(screened, maps, strict=True)):
                return logprobs
            return {**logprobs, "top_logprobs": screened}
        return logprobs

    def _entry(self, entry: Any) -> Any:
        """A chat token's entry with its `top_logprobs` list screened."""
        top = entry.get("top_logprobs") if isinstance(entry, dict) else None
        if not isinstance(top, list) or not top:
            return entry
        out: list[Any] = []
        changed = False
        for alt in top:
            token = alt.get("token") if isinstance(alt, dict) else None
            if not isinstance(token, str):
                out.append(alt)
                continue
            new = self.token(token)
            if new == token:
                out.append(alt)
                continue
            changed = True
            if new is not None:
                out.append({**alt, "token": new, "bytes": list(new.encode())})
        return {**entry, "top_logprobs": out} if changed else entry

    def _map(self, top: Any) -> Any:
        """A legacy token's `{alternative: logprob}` map screened (two alternatives
        masked alike keep the first's logprob)."""
        if not isinstance(top, dict) or not top:
            return top
        screened = {k: self.token(k) if isinstance(k, str) else k for k in top}
        if all(new == k for k, new in screened.items()):
            return top
        out: dict[Any, Any] = {}
        for key, new in screened.items():
            if new is not None:
                out.setdefault(new, top[key])
        return out
