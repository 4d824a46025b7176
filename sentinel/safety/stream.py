"""Masking text that arrives in pieces (a streamed answer), releasing at once all of
it but a tail that could still become the start of a match.

A term can only still be completed by text yet to come if the window's tail, from
where the term would start, spells its beginning (in normalized characters, padding
between CJK characters not counted); a regex only if its partial match reaches the
end (sentinel.safety.prefixes). Everything before the earliest such tail is final
and is released with the piece that brought it: never more than the longest term is
held, and at a model's pace most pieces go out whole. Each piece is scanned together
with what is held back (and the released character before it, for the word
boundary of Latin terms); a match is reported once, when it can no longer change,
and the masks it leaves are applied when its characters are released. Pure.

A stream pays this per chunk, so a window in which the automaton finds nothing (most)
is released on a short path: folded in a few C calls (normalize.fold_light), one
automaton call, the held tail found in the prefix set; the folded text's map and the
match bookkeeping only for a window that holds a match.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sentinel.safety.matcher import Match, Matcher
from sentinel.safety.normalize import (
    INVISIBLE,
    MAX_PADDING,
    SEPARATOR_SET,
    Folded,
    fold_light,
    is_cjk,
    normalize,
    strip_separators,
)
from sentinel.safety.prefixes import ASCII_WORD
from sentinel.safety.tails import tail_start

MASK = "*"
_DROPPABLE = frozenset(INVISIBLE) | SEPARATOR_SET  # what may need more context
# (text, absolute spans to mask, absolute position of text[0]) -> masked text
Mask = Callable[[str, list[tuple[int, int]], int], str]


def mask_spans(text: str, spans: list[tuple[int, int]], offset: int = 0) -> str:
    """`text` (which starts at absolute position `offset`) with every character inside
    one of the absolute `spans` replaced by MASK."""
    if not spans:
        return text
    # (slices between the spans, not a list of every character: ~3 us less a KB)
    parts: list[str] = []
    pos, n = 0, len(text)
    for start, end in sorted(spans):
        start, end = max(start - offset, pos), min(end - offset, n)
        if end > start:
            parts += (text[pos:start], MASK * (end - start))
            pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _context(buf: str, cut: int) -> str:
    """The released text's last character, with the invisible ones after it, and the
    CJK character before it if it is a separator that follows one: both are dropped
    when matching (invisible ones anywhere, separators as padding between CJK
    characters), so alone they would hide the neighbour a word boundary is decided by
    ("k\\u200b" + "idiot" is "kidiot", no match) or turn padding into text ("弹." +
    "，蛋" is "弹蛋", which holds no term "，蛋")."""
    start = cut - 1
    stop = max(cut - MAX_PADDING - 2, 0)  # a longer run is kept when matching: its last
    while start > stop and buf[start] in INVISIBLE:  # one is then the neighbour
        start -= 1
    run = start
    while run > stop and buf[run] in _DROPPABLE:  # (invisible ones inside padding too)
        run -= 1
    # (after anything else separators are text: one is context enough, and more would
    # start the window at a word whose start a regex's `\b` would see)
    return buf[run if run < start and is_cjk(buf[run]) else start : cut]


class StreamMasker:
    """One stream of text (one choice's content); `feed` each piece, `end` at the last."""

    def __init__(
        self,
        matcher: Matcher,
        categories: Collection[str],
        masked: Collection[str],
        mask: Mask | None = None,  # JSON text (tool-call arguments): JsonStrings().mask
        after: str = "",  # text the app already shows before this one (a chat prefix)
    ):
        self._matcher = matcher
        self._mask = mask or mask_spans
        self._follows = mask is not None  # the mask follows all the text (JSON strings)
        self._categories = categories  # the categories that apply to this direction
        self._masked = masked  # those of them whose action masks (or blocks)
        self._starts = matcher.starts
        self._ctx = ""  # the last released character: left context
        self._tail = ""  # held back, not yet released
        self._base = 0  # absolute position of _tail[0]
        self._seen: set[tuple[int, int, str]] = set()
        self._masks: list[tuple[int, int]] = []
        self._after_cjk = False  # the last character but separators so far is CJK
        # `after`'s tail is screened with the text as its start, never released again
        # (positions below 0): a term it begins, the text completes, is found
        self._skip = 0
        if after:
            # as much as a match can reach back, counted in folded characters: by raw
            # length, invisible characters or marks between the letters pushed the
            # term's start out of it (`i\u200b...d\u200b...io` + `t`)
            folded, keep = normalize(after), 4 * matcher.longest + MAX_PADDING
            start = folded.raw(len(folded.text) - keep) if len(folded.text) > keep else 0
            tail = after[start:]
            self._ctx = _context(after, start) if start else ""
            self._tail, self._base, self._skip = tail, -len(tail), len(tail)
        self.starts: list[int] = []  # where each match `feed` last returned starts in
        # what it released (a block cuts the stream there)

    @property
    def held(self) -> str:
        return self._tail[self._skip :]

    def copy(self) -> StreamMasker:
        """An independent copy: a guard that screened several received pieces as one
        and found a block goes back to it and screens them one by one, so the stream
        is cut before the chunk that brings the term, as when they came apart."""
        twin = object.__new__(StreamMasker)
        twin.__dict__.update(self.__dict__)
        twin._seen = set(self._seen)
        twin._masks = list(self._masks)
        return twin

    def feed(self, piece: str, final: bool = False) -> tuple[str, list[Match]]:
        """(what can be released now, masked; the matches found for the first time)."""
        buf = self._ctx + self._tail + piece
        off = len(self._ctx)
        light = fold_light(buf)
        if not (final or light is None or self._matcher.may_match(light)):
            # most pieces: nothing in the window matches (masks of earlier matches may
            # still apply), so the same cut as below is found without the folded text's
            # map and the match bookkeeping (a stream pays this per chunk)
            held = self._held_from(light)
            size = len(light)
            cut = tail_start(buf, light, size - held) if held < size else len(buf)
            return self._release(buf, off, cut), []
        origin = self._base - off  # absolute position of buf[0]
        # the map only when characters were dropped (padding, invisible ones)
        folded = Folded(light) if light is not None and len(light) == len(buf) else normalize(buf)
        matches = self._matcher.scan_folded(folded.text)
        text = folded.text
        size = len(text)
        if final:
            cut, first_held = len(buf), size
        else:
            first_held = self._held_from(text)
            cut = folded.raw(first_held) if first_held < size else len(buf)
        new: list[Match] = []
        starts: list[int] = []
        for m in matches:
            if m.category not in self._categories:
                continue
            start, end = folded.raw_span(m.start, m.end)
            if start < off:
                continue  # starts in the context: seen whole by an earlier scan
            if m.start >= first_held:
                # the next piece may extend it (a longer term or regex match) or end
                # its word; anything starting earlier is whole and its neighbours known
                cut = min(cut, start)
                continue
            key = (origin + start, origin + end, m.category)
            if key in self._seen or key[1] <= 0:  # (all in `after`: screened with it)
                continue
            self._seen.add(key)
            new.append(m)
            starts.append(max(start - off - self._skip, 0))
            if m.category in self._masked:
                self._masks.append((origin + start, origin + end))
        self.starts = starts
        return self._release(buf, off, cut), new

    def _held_from(self, folded: str) -> int:
        """Where, in the folded window, holding back begins: the earliest tail that
        could still start a match (sentinel.safety.prefixes), its length if none."""
        size = len(folded)
        trails = folded[-1:] in SEPARATOR_SET and self._pads(folded)
        kept = len(strip_separators(folded)) if trails else size
        return self._starts.held_from(folded, kept)

    def _pads(self, folded: str) -> bool:
        """Whether the window's trailing separators may yet be padding between two CJK
        characters: only after one and only MAX_PADDING of them; after Latin text (an
        English answer's "-----" line) they are final. The last character before them
        may have been released: remembered."""
        if folded[-1:] not in SEPARATOR_SET:
            return True  # none trailing
        stripped = strip_separators(folded)
        if stripped:
            self._after_cjk = is_cjk(stripped[-1])
        if len(folded) - len(stripped) > MAX_PADDING:
            self._after_cjk = False  # no padding, however the run goes on
        return self._after_cjk

    def _release(self, buf: str, off: int, cut: int) -> str:
        """Release `buf` up to `cut` (masked), hold the rest."""
        if cut <= off:
            self._tail = buf[off:]
            return ""
        released = buf[off:cut]
        if self._masks or self._follows:
            released = self._mask(released, self._masks, self._base)
        if self._skip:  # `after`'s characters: the app has them already
            n = min(self._skip, len(released))
            released, self._skip = released[n:], self._skip - n
        ctx = buf[cut - 1]
        if ctx in _DROPPABLE and (ctx in INVISIBLE or buf[cut - 2 : cut - 1] not in ASCII_WORD):
            ctx = _context(buf, cut)  # (a separator after a plain letter, "word ": itself)
        self._ctx = ctx
        self._tail = buf[cut:]
        self._base += cut - off
        base = self._base
        if self._masks:
            self._masks = [s for s in self._masks if s[1] > base]
        if self._seen:
            self._seen = {k for k in self._seen if k[1] > base - 1}
        return released

    def end(self) -> tuple[str, list[Match]]:
        return self.feed("", final=True)
