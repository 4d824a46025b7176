"""A stream holds back only a tail that could still start a match (a term's prefix, a
regex's partial match), yet any chunking of any text gives exactly the whole text's
result, and nothing released is later part of a match: random lists, random texts
full of their terms' pieces, random chunkings (README "Content safety")."""

from __future__ import annotations

import random
from pathlib import Path

from sentinel.safety.guard import OUTPUT, Direction
from sentinel.safety.lists import load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.stream import StreamMasker, mask_spans

LATIN = "adiostx"
CJK = "笨蛋炸弹糕"
# separators (CJK padding), invisible characters, a combining mark, sigmas, digits;
# whitespace runs (one space in a multi-word term), a Hangul filler, compatibility
# letters (mathematical, circled, negative circled) and ligatures written out
NOISE = [" ", "，", ".", "-", "\u200b", "\u180b", "\u0301", "Σ", "σ", "1", "2", "É", "Ｄ"]
NOISE += ["\t", "\n", "  ", " \n ", "\u3164", "𝐢", "𝕕", "ⓞ", "🅣", "ﬁ", "ﬆ", "⑩"]
LOOKALIKES = [
    ("fi", "ﬁ"),
    ("st", "ﬆ"),
    ("i", "𝐢"),
    ("d", "𝕕"),
    ("o", "ⓞ"),
    ("t", "🅣"),
    ("s", "\u3164s"),
]


def _term(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice(LATIN) for _ in range(rng.randint(2, 5)))
    return "".join(rng.choice(CJK) for _ in range(rng.randint(2, 4)))


def _lists(root: Path, rng: random.Random) -> list[str]:
    # (a term that starts with a separator: after a CJK character, padding or not)
    masked = sorted({_term(rng) for _ in range(8)} | {"σος", "-do", "，蛋", "ad to", "fist"})
    blocked = sorted({_term(rng) for _ in range(3)} - set(masked))
    root.mkdir(parents=True, exist_ok=True)
    (root / "rude.txt").write_text(
        "# action: mask\n# plurals: en\n"
        + "\n".join(masked)
        # a regex of variable length that can only start with x
        + "\nre:x\\d{1,3}y\n",
        encoding="utf-8",
    )
    (root / "bad.txt").write_text("# action: block\n" + "\n".join(blocked) + "\n", "utf-8")
    (root / "seen.txt").write_text("cake\n蛋糕\n", encoding="utf-8")
    return masked + blocked


def _text(rng: random.Random, terms: list[str]) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(5, 30)):
        roll = rng.random()
        if roll < 0.3:
            term = rng.choice(terms)
            parts.append(term[: rng.randint(1, len(term))])  # often only its start
        elif roll < 0.55:
            parts.append(rng.choice(NOISE))
        elif roll < 0.75:
            parts.append(rng.choice(LATIN + CJK))
        elif roll < 0.85:
            parts.append("x" + "".join(rng.choice("123") for _ in range(rng.randint(0, 4))))
        elif roll < 0.92:
            term = rng.choice(terms)
            parts.append(" ".join(term) if rng.random() < 0.5 else term)
        else:  # a term in look-alikes: a whitespace run for its space, ligatures...
            term = rng.choice(terms).replace(" ", rng.choice(["\t", "  ", "\n\n", " \n "]))
            for plain, alike in LOOKALIKES:
                if rng.random() < 0.5:
                    term = term.replace(plain, alike)
            parts.append(term)
    return "".join(parts)


def _whole(matcher: Matcher, text: str, side: Direction) -> tuple[str, int | None]:
    """The whole text masked, and where its first blocked match starts (None: none)."""
    folded, matches = matcher.scan(text)
    spans = [folded.raw_span(m.start, m.end) for m in matches if m.category in side.masked]
    blocked = [folded.raw_span(m.start, m.end)[0] for m in matches if m.category in side.blocked]
    return mask_spans(text, spans), min(blocked, default=None)


def _pieces(rng: random.Random, text: str) -> list[str]:
    if len(text) < 2:
        return [text]
    cuts = sorted(rng.sample(range(1, len(text)), rng.randint(1, min(len(text) - 1, 25))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def test_random_chunkings_release_what_the_whole_text_screening_gives(tmp_path: Path) -> None:
    # (lists without `# spaced: latin`: a spaced-out match that starts in the one
    # released character a window keeps as context can hide one the whole text finds
    # right after it, `x i d i o t`; README "Content safety", tests/safety/test_spaced.py)
    rng = random.Random(2222)
    checked = blocks = 0
    for lists_round in range(12):
        root = tmp_path / f"lists{lists_round}"
        terms = _lists(root, rng)
        matcher = Matcher(load_lists([str(root)]))
        side = Direction(matcher, OUTPUT)
        for _ in range(60):
            text = _text(rng, terms)
            expected, block_at = _whole(matcher, text, side)
            for _ in range(6):
                pieces = _pieces(rng, text)
                masker = StreamMasker(matcher, side.categories, side.masked)
                out = ""
                blocked = None
                for i, piece in enumerate(pieces):
                    released, found = masker.feed(piece, final=i == len(pieces) - 1)
                    starts = zip(found, masker.starts, strict=True) if found else ()
                    cuts = [p for m, p in starts if m.category in side.blocked]
                    if cuts and blocked is None:
                        blocked = len(out) + min(cuts)
                    out += released
                    # what is out is final: the whole text's result, masks included,
                    # and never the start of a blocked term before the block is seen
                    assert expected.startswith(out), (pieces, out, expected)
                    if blocked is None and block_at is not None:
                        assert len(out) <= block_at, (pieces, out)
                assert out == expected, pieces
                assert blocked == block_at, (pieces, blocked, block_at)
                blocks += block_at is not None
                checked += 1
    assert checked == 12 * 60 * 6 and blocks > 100


def test_a_tail_that_cannot_start_a_term_is_not_held(tmp_path: Path) -> None:
    root = tmp_path / "lists"
    root.mkdir()
    (root / "rude.txt").write_text("# action: mask\nidiot\n笨蛋\nre:\\bfree\\s{1,3}money\\b\n")
    matcher = Matcher(load_lists([str(root)]))
    side = Direction(matcher, OUTPUT)
    masker = StreamMasker(matcher, side.categories, side.masked)
    # nothing here starts a term or a regex match: all of it out at once
    for piece in ("hello world, ", "好的，", "谢谢。 ", "ok "):
        assert masker.feed(piece) == (piece, [])
        assert masker.held == ""
    # only what could still become one is held: the term's start, the regex's
    assert masker.feed("so id") == ("so ", [])
    assert masker.held == "id"
    masker = StreamMasker(matcher, side.categories, side.masked)
    assert masker.feed("it is 笨") == ("it is ", [])
    assert masker.feed("，") == ("", [])  # padding, maybe: 笨，蛋 is 笨蛋
    released, found = masker.feed("蛋 ok fr")
    assert released == "*** ok " and [m.category for m in found] == ["rude"]
    assert masker.held == "fr"
    assert masker.feed("ee  mon")[0] == ""
    # (the two spaces read as one: the regex's whole match is then within its width of
    # the window's end, and held until text beyond that width arrives)
    released, found = masker.feed("ey! ok ")
    assert released == "*" * len("free  money") + "! ok " and len(found) == 1
    assert masker.held == ""


def test_the_first_characters_of_a_stream_are_held_as_any(tmp_path: Path) -> None:
    """The stream's first window is shorter than the widest match: still searched."""
    root = tmp_path / "lists"
    root.mkdir()
    (root / "codes.txt").write_text("# action: mask\nre:x\\d{1,3}y\nre:\\bfree\\s{1,3}money\\b\n")
    matcher = Matcher(load_lists([str(root)]))
    side = Direction(matcher, OUTPUT)
    for pieces in (["x1", "2y"], ["x", "1", "23y"], ["fr", "ee mo", "ney"], ["a x1", "2y"]):
        masker = StreamMasker(matcher, side.categories, side.masked)
        out = [masker.feed(piece)[0] for piece in pieces]
        assert out[0] in ("", "a "), pieces  # held: it may still become a match
        text = "".join(pieces)
        out.append(masker.end()[0])
        folded, found = matcher.scan(text)
        spans = [folded.raw_span(m.start, m.end) for m in found]
        assert "".join(out) == mask_spans(text, spans) != text, pieces
