"""A whole answer's `logprobs` masked like its text: the tokens spell the answer out
(and their alternatives sit beside them), so a term masked in the content has to be
masked in the tokens too, or the app reads it back from them. Pure."""

from __future__ import annotations

from typing import Any


def mask_logprobs(logprobs: Any, original: str, masked: str) -> Any:
    """`logprobs` (a choice's, as DeepSeek sends it) with each token that overlaps a
    masked character masked the same way (its bytes too) and its alternatives dropped.
    None when the tokens do not spell `original` or the shape is not chat's: they
    cannot be lined up with the masks, so no part of them is safe to pass on."""
    if masked == original or logprobs is None:
        return logprobs
    entries = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(entries, list):
        return None
    out: list[Any] = []
    pos = 0
    for entry in entries:
        token = entry.get("token") if isinstance(entry, dict) else None
        end = pos + len(token) if isinstance(token, str) else -1
        if end < 0 or original[pos:end] != token:
            return None
        new = masked[pos:end]  # a mask replaces characters one for one
        if new != token:
            entry = {**entry, "token": new, "bytes": list(new.encode()), "top_logprobs": []}
        out.append(entry)
        pos = end
    return {**logprobs, "content": out} if pos == len(original) else None


class HeldLogprobs:
    """A streamed choice's `logprobs`, held back with the text they spell: each token
    goes out with the chunk that releases its last character, masked as that text was
    (mask_logprobs on the token and its released text), so a token of a term the
    masker still holds never runs ahead of it. A chunk's entries that do not spell its
    text (byte-level tokens, a non-chat shape) are released whole with it, and dropped
    when any of that text was masked. Pure."""

    __slots__ = ("_done", "_raw", "_units")

    def __init__(self, held: str = "") -> None:
        """`held`: what the stream's masker held back before the first chunk that came
        with logprobs (text without tokens, to line the rest up)."""
        self._raw = held  # the text since the first unreleased token: as sent
        self._done = ""  # its released part, as released (a mask keeps the length)
        # (end in _raw, entries or None): consecutive spans of the text
        self._units: list[tuple[int, Any]] = [(len(held), None)] if held else []

    def feed(self, piece: str, logprobs: Any, released: str) -> Any:
        """The `logprobs` to send with the chunk whose text `piece` came in and
        `released` (masked) went out; None when it has none to carry."""
        start = len(self._raw)
        self._raw += piece
        entries = logprobs.get("content") if isinstance(logprobs, dict) else None
        tokens = [e.get("token") if isinstance(e, dict) else None for e in entries or ()]
        if entries and all(isinstance(t, str) for t in tokens) and "".join(tokens) == piece:
            for token, entry in zip(tokens, entries, strict=True):
                start += len(token)
                self._units.append((start, [entry]))
        elif piece:
            self._units.append((len(self._raw), entries if isinstance(entries, list) else None))
        self._done += released
        done = len(self._done)
        out: list[Any] = []
        pos = n = 0
        for end, unit in self._units:
            if end > done:
                break
            n += 1
            if unit:
                screened = mask_logprobs({"content": unit}, self._raw[pos:end], self._done[pos:end])
                out += screened["content"] if screened is not None else ()
            pos = end
        if n:
            self._units = [(end - pos, unit) for end, unit in self._units[n:]]
            self._raw, self._done = self._raw[pos:], self._done[pos:]
        if isinstance(entries, list):
            return {**logprobs, "content": out}
        return {"content": out} if out else None
