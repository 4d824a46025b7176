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
