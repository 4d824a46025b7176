"""A whole answer's `logprobs` masked like its text: the tokens spell the answer out
(and their alternatives sit beside them), so a term masked in the content has to be
masked in the tokens too, or the app reads it back from them. Pure.

Two shapes: chat's (`content`: one entry per token, `token`, `bytes`, `top_logprobs`)
and the legacy one of FIM (`/beta/completions`: parallel lists `tokens`,
`token_logprobs`, `top_logprobs` of `{token: logprob}` maps, `text_offset`). Both are
read as one entry per token (the legacy lists zipped, the token under `token`), masked
the same way, and written back in the shape they came in. A mask replaces characters
one for one, so `text_offset` never moves.
"""

from __future__ import annotations

from typing import Any

LEGACY = ("tokens", "token_logprobs", "top_logprobs", "text_offset")  # FIM's columns
_LEGACY = "legacy"  # marks an entry read from them (never written back: not a column)


def choice_logprobs(choice: Any) -> Any:
    """A choice's `logprobs`: on a pydantic choice read from its extras (no model
    declares the field), as getattr of an absent extra raises inside pydantic (~2 us,
    more than the rest of a whole answer's bookkeeping); on any other, its attribute."""
    extra = getattr(choice, "__pydantic_extra__", None)
    if extra is None:
        return getattr(choice, "logprobs", None)
    return extra.get("logprobs")


def entries_of(logprobs: Any) -> list[Any] | None:
    """One entry per token, or None when `logprobs` has neither shape (or its legacy
    columns disagree in length: they cannot be lined up with the tokens)."""
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if isinstance(content, list):
        return content
    tokens = logprobs.get("tokens")
    if not isinstance(tokens, list) or "content" in logprobs:
        return None
    columns = [(k, logprobs[k]) for k in LEGACY[1:] if logprobs.get(k) is not None]
    if any(not isinstance(v, list) or len(v) != len(tokens) for _, v in columns):
        return None
    return [
        {"token": t, **{k: v[i] for k, v in columns}, _LEGACY: True} for i, t in enumerate(tokens)
    ]


def with_entries(logprobs: Any, entries: list[Any]) -> dict[str, Any]:
    """`logprobs` carrying `entries` instead of its own, in its shape (chat's unless
    it has legacy `tokens`)."""
    base = logprobs if isinstance(logprobs, dict) else {}
    if "tokens" not in base or "content" in base:
        return {**base, "content": entries}
    out = {**base, "tokens": [e["token"] for e in entries]}
    for key in LEGACY[1:]:
        if base.get(key) is not None:
            out[key] = [e.get(key) for e in entries]
    return out


def _skeleton(logprobs: dict[str, Any]) -> dict[str, Any]:
    """The shape of `logprobs` without its values: what a chunk that brought none
    carries the held tokens it releases in."""
    if "tokens" in logprobs and "content" not in logprobs:
        return {k: [] for k in LEGACY if logprobs.get(k) is not None}
    return {}


def _masked_entry(entry: dict[str, Any], new: str) -> dict[str, Any]:
    """The entry of a token that overlaps a mask: the masked token, no alternatives (a
    legacy map keyed by them; chat's list, with the token's bytes masked too)."""
    if entry.get(_LEGACY):
        top = {} if entry.get("top_logprobs") is not None else None
        return {**entry, "token": new, "top_logprobs": top}
    return {**entry, "token": new, "bytes": list(new.encode()), "top_logprobs": []}


def mask_entries(entries: list[Any], original: str, masked: str) -> list[Any] | None:
    """`entries` with each token that overlaps a masked character masked the same way;
    None when the tokens do not spell `original` (nothing lines them up with masks)."""
    if masked == original:
        return entries
    out: list[Any] = []
    pos = 0
    for entry in entries:
        token = entry.get("token") if isinstance(entry, dict) else None
        end = pos + len(token) if isinstance(token, str) else -1
        if end < 0 or original[pos:end] != token:
            return None
        new = masked[pos:end]  # a mask replaces characters one for one
        out.append(entry if new == token else _masked_entry(entry, new))
        pos = end
    return out if pos == len(original) else None


def mask_logprobs(logprobs: Any, original: str, masked: str) -> Any:
    """`logprobs` (a choice's, as DeepSeek sends it) masked as `original` was into
    `masked`. None when the tokens do not spell `original` or the shape is unknown:
    they cannot be lined up with the masks, so no part of them is safe to pass on."""
    if masked == original or logprobs is None:
        return logprobs
    entries = entries_of(logprobs)
    screened = mask_entries(entries, original, masked) if entries is not None else None
    return with_entries(logprobs, screened) if screened is not None else None


class HeldLogprobs:
    """A streamed choice's `logprobs`, held back with the text they spell: each token
    goes out with the chunk that releases its last character, masked as that text was
    (mask_entries on the token and its released text), so a token of a term the
    masker still holds never runs ahead of it. A chunk's entries that do not spell its
    text (byte-level tokens, an unknown shape) are released whole with it, and dropped
    when any of that text was masked. Pure."""

    __slots__ = ("_done", "_raw", "_shape", "_units")

    def __init__(self, held: str = "") -> None:
        """`held`: what the stream's masker held back before the first chunk that came
        with logprobs (text without tokens, to line the rest up)."""
        self._raw = held  # the text since the first unreleased token: as sent
        self._done = ""  # its released part, as released (a mask keeps the length)
        # (end in _raw, entries or None): consecutive spans of the text
        self._units: list[tuple[int, Any]] = [(len(held), None)] if held else []
        self._shape: dict[str, Any] = {}  # the last logprobs seen: the shape to write

    def feed(self, piece: str, logprobs: Any, released: str) -> Any:
        """The `logprobs` to send with the chunk whose text `piece` came in and
        `released` (masked) went out; None when it has none to carry."""
        start = len(self._raw)
        self._raw += piece
        entries = entries_of(logprobs)
        if entries is not None:
            self._shape = _skeleton(logprobs)
        tokens = [e.get("token") if isinstance(e, dict) else None for e in entries or ()]
        if entries and all(isinstance(t, str) for t in tokens) and "".join(tokens) == piece:
            for token, entry in zip(tokens, entries, strict=True):
                start += len(token)
                self._units.append((start, [entry]))
        elif piece:
            self._units.append((len(self._raw), entries))
        self._done += released
        done = len(self._done)
        out: list[Any] = []
        pos = n = 0
        for end, unit in self._units:
            if end > done:
                break
            n += 1
            if unit:
                screened = mask_entries(unit, self._raw[pos:end], self._done[pos:end])
                out += screened if screened is not None else ()
            pos = end
        if n:
            self._units = [(end - pos, unit) for end, unit in self._units[n:]]
            self._raw, self._done = self._raw[pos:], self._done[pos:]
        if entries is not None:
            return with_entries(logprobs, out)
        return with_entries(self._shape, out) if out else None
