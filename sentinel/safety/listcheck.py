"""What a list line must not be, whatever the file holds: checks `lists` runs before a
line means anything, so a hostile or damaged file (a lone-CR line end, a NUL, a term of
nothing but punctuation, a megabyte on one line) is an error naming file and line, never
a hang, a traceback, a filter that masks every comma, or a message as long as the line.
Pure."""

from __future__ import annotations

import difflib
import re

from sentinel.safety.normalize import SEPARATOR_SET
from sentinel.safety.symbols import SYMBOL_SET

SHOWN = 60  # characters of a value quoted in a message
# A regex's source, before it is compiled or analysed: a list regex matches at most 256
# characters, and a source much longer than its alternatives need only costs time (a
# 2 MB line took minutes to analyse)
MAX_REGEX_SOURCE = 16384
# C0 controls but tab (CR apart) and DEL, in a term, regex or header: a comment may
# hold a form feed, and C1 controls (U+0085) are text to the matcher like any other
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BOMS = (  # UTF-32's first: its little-endian BOM starts with UTF-16's
    (b"\xff\xfe\x00\x00", "UTF-32 little-endian"),
    (b"\x00\x00\xfe\xff", "UTF-32 big-endian"),
    (b"\xff\xfe", "UTF-16 little-endian"),
    (b"\xfe\xff", "UTF-16 big-endian"),
)


def shown(value: str) -> str:
    """`value` quoted for a message, cut at SHOWN characters."""
    return (
        repr(value)
        if len(value) <= SHOWN
        else repr(value[:SHOWN]) + f"... ({len(value)} characters)"
    )


def encoding_hint(data: bytes) -> str:
    """Why bytes that are not UTF-8 may not be, when it shows."""
    kind = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    return f": it is {kind} (save it as UTF-8)" if kind else ""


def looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM, which also decodes as UTF-8 when it is ASCII: a NUL in
    every other byte of the first line (as no UTF-8 list has)."""
    head = data[: data.find(b"\n") if b"\n" in data else 64][:64]
    if len(head) < 2:
        return None
    if head[1::2].count(0) == len(head[1::2]) and 0 not in head[0::2]:
        return "UTF-16 little-endian"
    if head[0::2].count(0) == len(head[0::2]) and 0 not in head[1::2]:
        return "UTF-16 big-endian"
    return None


HEADER_KEYS = ("category", "action", "apply", "variants", "plurals", "spaced")
HEADER_VALUES = frozenset(
    ("flag", "mask", "block", "input", "output", "both", "zh", "en", "latin", "none")
)
# a comment that reads like a header: `# key: value`, or `# key value` with one word
_KEYED_RE = re.compile(r"#\s*([A-Za-z][A-Za-z_-]*)\s*:\s*(.*?)\s*$")
_NO_COLON_RE = re.compile(r"#\s*([A-Za-z]+)\s+([A-Za-z]+)\s*$")


def header_problem(comment: str) -> str | None:
    """Why a `#` line that is not a header was probably meant as one: `# acton: mask`,
    `# Action: mask` or `# action mask` would otherwise be a comment, and the list's
    terms silently read as flag-only (or under the file name's category). A key close
    to a known one (or a case variant), a known key without its colon before a header's
    value, or an unknown key given a header's value (`# mode: block`) is an error, and so
    is a header written with a full-width colon (`# action：block`); other
    `# word: text` lines (`# source: the 2019 report`) stay comments."""
    keys = ", ".join(HEADER_KEYS)
    wide = _KEYED_RE.match(comment.replace("\uff1a", ":", 1)) if "\uff1a" in comment else None
    if wide and (wide[1].lower() in HEADER_KEYS or wide[2].lower() in HEADER_VALUES):
        return f"header with a full-width colon '\uff1a': write '# {wide[1].lower()}: {wide[2]}'"
    m = _NO_COLON_RE.match(comment)
    if m and m[1].lower() in HEADER_KEYS and m[2].lower() in HEADER_VALUES:
        return (
            f"header without ':' ({shown(comment)}): write '# {m[1].lower()}: {m[2]}'"
            " (or reword the comment)"
        )
    if (m := _KEYED_RE.match(comment)) is None:
        return None
    key, value = m[1], m[2]
    close = difflib.get_close_matches(key.lower(), HEADER_KEYS, n=1, cutoff=0.75)
    if close:
        return (
            f"unknown header {shown(key + ':')}: did you mean '# {close[0]}:'? (header keys"
            f" are lower case: {keys}; reword a comment so it does not read as one)"
        )
    if value.lower() in HEADER_VALUES:
        return f"unknown header {shown(key + ':')} (header keys: {keys})"
    return None


def line_problem(raw: str, comment: bool) -> str | None:
    """What makes a raw line (without its "\\n") unreadable as a list line: a lone CR
    (in a `comment` too: it would hide the lines it ends), a control character in any
    other line."""
    body = raw[:-1] if raw.endswith("\r") else raw  # CRLF: the CR ends the line
    if "\r" in body:
        return "carriage return inside the line: lines end at \\n (CRLF is fine, CR alone is not)"
    if not comment and (found := _CONTROL_RE.search(body)) is not None:
        return f"control character U+{ord(found.group()):04X} in the line"
    return None


def term_problem(text: str) -> str | None:
    """What makes a normalized term unusable: only spaces and punctuation would match
    between any two words (symbols and emoji are terms of their own)."""
    if all(c in SEPARATOR_SET and c not in SYMBOL_SET for c in text):
        return f"term {shown(text)} is only spaces and punctuation"
    return None
