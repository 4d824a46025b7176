"""One set of invisible characters for the safety filter and the privacy view
(sentinel.invisibles, issue 19). The two declared their own and drifted: the view
dropped U+FFF0-FFFB, the Khmer inherent vowels, the shorthand and the musical format
controls, the filter did not, so "id\\ufff9iot" reached the app unmasked and
"b\\U0001bca0omb" got a prompt past a block list. Checked against unicodedata, through
both readers here, and through the real client over loopback to FakeDeepSeek in
test_astral_invisibles.py."""

from __future__ import annotations

import unicodedata

from sentinel.invisibles import FORMAT_ASTRAL, FORMAT_BMP, FORMAT_RANGES, characters
from sentinel.privacy.view import analysis_view
from sentinel.safety.normalize import fold_light, normalize

# Unicode's Prepended_Concatenation_Mark (PropList.txt): format characters that are
# drawn (the Arabic number signs carry the digits after them), so they stay.
VISIBLE_FORMAT = {*range(0x600, 0x606), 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0x110BD, 0x110CD}
EVERY = sorted(characters(FORMAT_RANGES))


def test_every_format_character_but_the_visible_ones_is_in_the_set() -> None:
    invisible = characters(FORMAT_RANGES)
    missing = [
        f"U+{cp:04X}"
        for cp in range(0x110000)
        if unicodedata.category(chr(cp)) == "Cf"
        and cp not in VISIBLE_FORMAT
        and chr(cp) not in invisible
    ]
    assert not missing
    assert not any(chr(cp) in invisible for cp in VISIBLE_FORMAT)
    # nothing that a reader sees: every member is a format character, a default-ignorable
    # filler or mark, or unassigned
    shown = [c for c in invisible if unicodedata.category(c) in {"Lu", "Ll", "Nd", "Po", "Zs"}]
    assert not shown
    assert all(hi <= 0xFFFF for _, hi in FORMAT_BMP) and all(lo > 0xFFFF for lo, _ in FORMAT_ASTRAL)


def test_both_readers_drop_every_character_of_the_set() -> None:
    for c in EVERY:
        assert normalize(f"you id{c}iot").text == "you idiot", f"U+{ord(c):04X}"
        assert fold_light(f"you id{c}iot") in (None, "you idiot"), f"U+{ord(c):04X}"
        assert normalize(f"笨{c}蛋").text == "笨蛋", f"U+{ord(c):04X}"
        view = analysis_view(f"mail jo{c}hn@example.com now")
        assert view.text == "mail john@example.com now", f"U+{ord(c):04X}"
        assert view.span(5, 21) == (5, 22)  # the finding covers the hidden character
