"""Capitalized words that name a natural feature or a colour, not a person or an address.

* A name right before a geographic feature noun (the feature classes of the USGS
  Geographic Names Information System: river, lake, mountain, valley, bay, island ...)
  names that feature ("the Jordan river", "Ness lake"), which is nobody's address;
  unless a street word follows it (Lake Road) or the feature word is a surname written
  as one (Jordan Rivers, Ricki Lake: a capitalized word of the surname lists).
* A word of the CSS Color Module's named colours (W3C, Level 4: all 148 names, which
  hold the paint names ivory, coral, lavender, olive, violet ...) in a sentence about
  colours (colour, shade, palette, paint, or another colour next to it) is that colour.
"""

from __future__ import annotations

from collections.abc import Collection

import regex

from sentinel.privacy.recognizers.gazetteer import fold
from sentinel.privacy.sentences import sentence_bounds

_FEATURES = (
    "river|creek|stream|brook|lake|loch|pond|reservoir|sea|ocean|gulf|bay|strait|channel|"
    "sound|lagoon|estuary|delta|falls|waterfall|rapids|spring|glacier|mountain|mountains|"
    "mount|peak|summit|ridge|range|hill|hills|valley|canyon|gorge|basin|plateau|plain|"
    "desert|island|islands|isle|peninsula|cape|beach|coast|cliff|cliffs|cave|caves|crater|"
    "volcano|forest|woods|swamp|marsh|dam|canal|arch|gap|pass"
)
_FEATURE_AFTER = regex.compile(r"\s+(?P<word>(?i:" + _FEATURES + r"))\b(?!\s+\p{Lu}\p{Ll}+\b)")
_STREET_AFTER = regex.compile(
    r"\s+\p{L}+\s+(?i:road|rd|street|st|avenue|ave|drive|dr|lane|ln|way|court|ct|boulevard|"
    r"blvd|place|pl|terrace|crescent|close)\b"
)
# W3C CSS Color Module Level 4, named colours (<named-color>), all of them.
_CSS_COLOUR_TEXT = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro
    ghostwhite gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo
    ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral
    lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon
    lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow
    lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid
    mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise
    mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace
    olive olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise
    palevioletred papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red
    rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver
    skyblue slateblue slategray slategrey snow springgreen steelblue tan teal thistle
    tomato transparent turquoise violet wheat white whitesmoke yellow yellowgreen"""
_CSS_COLOURS = frozenset(_CSS_COLOUR_TEXT.split())
_COLOUR_WORDS = regex.compile(
    r"\b(?:colou?rs?|colou?red|shades?|palette|paints?|painted|hues?|tints?|dyed?|swatch(?:es)?|"
    r"tones?|pantone|hex)\b|颜色|配色|色系",
    regex.IGNORECASE,
)
_PLAIN_COLOUR = regex.compile(
    r"\b(?:" + "|".join(sorted(_CSS_COLOURS, key=len, reverse=True)) + r")\b", regex.IGNORECASE
)


class ThingLookalikes:
    """Holds the folded surname list the analyzer loaded."""

    def __init__(self, surnames: Collection[str]) -> None:
        self.surnames = surnames

    def feature(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end] names the natural feature written right after it."""
        m = _FEATURE_AFTER.match(text, end)
        if m is None or _STREET_AFTER.match(text, end):
            return False
        word = m.group("word")
        return not (word[0].isupper() and fold(word) in self.surnames)

    def colour(self, text: str, start: int, end: int) -> bool:
        """Whether the one-word text[start:end] is a named colour among colours."""
        value = text[start:end]
        if " " in value or fold(value) not in _CSS_COLOURS:
            return False
        lo, hi = sentence_bounds(text, start, end)
        if _COLOUR_WORDS.search(text, lo, hi):
            return True
        others = (m for m in _PLAIN_COLOUR.finditer(text, lo, hi) if m.start() != start)
        return any(m.group().islower() for m in others)
