"""Names used as brands: the shapes that tell "Herman Miller chair" from "Herman Miller".

Many brands are people's names (Wells Fargo, Ralph Lauren, Harry Potter) and many
products carry a capitalized word the NER takes for a place (the Citi card). No list of
brands can be complete, but the sentence shows it: a person is not a modifier of a
product noun (nor paired by "or" with one that is), is rarely "the X" or "my X", is not
where someone works, is not a possessive that owns nothing (Lowe's won't), and is not
camel-cased (AirPods, iPad). A finding of the NER or the
name lists in one of these shapes is kept in the text; findings from patterns, titles
(Mr. Miller) and deny lists are not judged.
"""

from __future__ import annotations

import regex

JUDGED_RECOGNIZERS = frozenset({"SpacyRecognizer", "EnPersonRecognizer"})
JUDGED_TYPES = frozenset({"PERSON", "LOCATION"})

# What a brand names right after it: "the Citi card", "Ralph Lauren polo".
_PRODUCT_NOUN = regex.compile(
    r"\s+(?:card|cards|app|apps|points|miles|rewards|membership|subscription|"
    r"plan|store|stores|outlet|fridge|freezer|oven|dryer|washer|vacuum|chair|desk|sofa|"
    r"mattress|polo|shirt|jeans|shoes|sneakers|perfume|books|novels|series|"
    r"movies|films|games|reports|dashboard|lid|laptop|tv|console|controller|headphones|"
    r"earbuds|charger|cable|website|stock|shares|fund|bundle|voucher|"
    r"coupon|gift\s+cards?|meal|meals|combo|burger|fries|coffee|latte|license|licence|renewal|plugin|"
    r"extension|workspace|repo|sdk|api|cli|ones|brand|model|line|shop|hotel|hotels|"
    r"jersey|merch|catalog|catalogue|collection|deck|edition|legends)\b"
)
# Camel case inside a word (AirPods, iPad, PayPal), but not the name prefixes Mc / Mac /
# De / Di / Da / La / Le / Van / Von (McDonald, DeShawn, LaToya, DiCaprio), nor the "n"
# of a pasted "\n" escape before a capital (dietary\nEsteban: a line break, no brand).
_CAMEL = regex.compile(r"(?<!\\)\b(?!(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von)\p{Lu})\p{L}*\p{Ll}\p{Lu}")
_POSSESSIVE = regex.compile(r"['’]s?$")
_OR_NEXT = regex.compile(r"\s+(?:or|and|vs\.?)\s+(?:\p{Lu}[\p{L}'’-]*\s+){0,2}\p{Lu}[\p{L}'’-]*\s")
# A possessive that owns nothing and acts ("Lowe's wont", "Jack Daniel's or Jameson"):
# a person's would be followed by what they own.
_SHOP_POSSESSIVE = regex.compile(
    r"['’]s\s+(?:(?i:wont|won't|doesnt|doesn't|didnt|didn't|ideally|instead)\b"
    r"|or\s+\p{Lu}[\p{L}-]+(?!\p{L}|['’]s)"  # "Jack Daniel's or Jameson", not "or John's"
    r"|vs\.?\s+\p{Lu}[\p{L}-]*['’]s\b)"  # "Wendy's vs Arby's": two shops compared
)
_OWNED_BY = regex.compile(r"\b(?:my|her|his|your|our|their)\s+$", regex.IGNORECASE)
_THE_BEFORE = regex.compile(r"\bthe\s+$")
_NOT_AFTER_THE = regex.compile(r"\s*(?:family|household|twins|brothers|sisters)\b|s\b")
# Where someone works, banks or shops is an organisation, not a person.
_AT_WORK = regex.compile(
    r"\b(?:(?:work|works|worked|working|job|jobs|intern|interned|interning|employed|"
    r"shop|shops|shopped|shopping|account)\s+at|(?:bank|banks|banked|banking)\s+(?:at|with))"
    r"\s+$",
    regex.IGNORECASE,
)


def ends_in_product_noun(value: str) -> bool:
    """Whether the last word of `value` is a product noun: a name the NER ran into a
    product line with (Tesla Model, Steam Deck)."""
    words = value.split()
    return len(words) > 1 and bool(_PRODUCT_NOUN.fullmatch(" " + words[-1].lower()))


def brand_shaped(text: str, start: int, end: int) -> bool:
    """Whether text[start:end], found as a person or place, is written as a brand is."""
    value = text[start:end]
    if value.startswith("the "):  # the NER took the article in: "the Dyson Airwrap"
        return True
    if _CAMEL.search(value):
        return True
    if _PRODUCT_NOUN.match(text, end) and not _POSSESSIVE.search(value):
        return True  # but "Sanjay Gupta's laptop" is his
    if _SHOP_POSSESSIVE.match(text, end - 2 if _POSSESSIVE.search(value) else end):
        return True  # "Lowe's wont honor it": a shop's or a firm's name
    pair = _OR_NEXT.match(text, end)  # "Calvin Klein or Hugo Boss perfume"
    if pair and _PRODUCT_NOUN.match(text, pair.end() - 1):
        return True
    before = text[max(0, start - 30) : start]
    if _OWNED_BY.search(before):
        return True  # "my Tesla", "her Okta": what one has, not whom
    if _THE_BEFORE.search(before) and not _NOT_AFTER_THE.match(text, end):
        return True
    return bool(_AT_WORK.search(before))
