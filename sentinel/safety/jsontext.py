"""Masking inside JSON text: a tool call's `arguments` is a JSON document the app will
parse, so a mask may only touch the characters of string values. Quotes, escapes
(`\\n`, `\\u654f`) and everything outside strings are left as they are, and the
arguments stay valid JSON whatever a term or a list's regex matched.

A term written with JSON escapes (`\\u654f\\u611f` for 敏感) is not seen by the
matcher; DeepSeek sends arguments as UTF-8 text, not escaped. Pure.
"""

from __future__ import annotations

from sentinel.safety.stream import MASK


class JsonStrings:
    """Which characters of a JSON text are string content, fed in order (a stream's
    pieces one after the other, or a whole text once)."""

    __slots__ = ("_escape", "_inside")

    def __init__(self) -> None:
        self._inside = False
        # -1: a backslash was the last character; n > 0: hex digits of \uXXXX to come
        self._escape = 0

    def maskable(self, text: str) -> list[bool]:
        out: list[bool] = []
        for ch in text:
            if self._escape:
                self._escape = (4 if ch == "u" else 0) if self._escape < 0 else self._escape - 1
                out.append(False)
                continue
            if not self._inside:
                self._inside = ch == '"'
                out.append(False)
            elif ch == "\\":
                self._escape = -1
                out.append(False)
            elif ch == '"':
                self._inside = False
                out.append(False)
            else:
                out.append(True)
        return out

    def mask(self, text: str, spans: list[tuple[int, int]], offset: int) -> str:
        """`text` (the next piece of the document, starting at absolute `offset`) with
        the string characters inside the absolute `spans` replaced by MASK. Call it
        with every piece in order, spans or not: it follows where the strings are."""
        maskable = self.maskable(text)
        if not spans:
            return text
        chars = list(text)
        n = len(chars)
        for start, end in spans:
            for i in range(max(start - offset, 0), min(end - offset, n)):
                if maskable[i]:
                    chars[i] = MASK
        return "".join(chars)
