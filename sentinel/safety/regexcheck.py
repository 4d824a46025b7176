"""Refusing list regexes that can backtrack catastrophically, when the list is loaded.

A backtracking engine is exponential on a regex whose repeated part can split the same
text in many ways: `(a{1,10}){1,20}$` on a run of a's, `(\\w{1,9}\\s?){1,9}`, `(a|aa){1,30}`.
The search timeout (sentinel.safety.matcher) only limits the damage per text, and the
text's sender chooses it; so such a regex is an error naming its file and line.

The test, per repeat of more than one iteration: its body must not match the empty text
(`(\\w*)*`), and a body of variable width must not be able to end with a character it can
start with. A body that always ends with a separator it cannot start with (`(\\d{1,3}\\.){3}`,
an IP address) or has one width (`(ab){1,20}`) splits a text one way only. Possessive
repeats and atomic groups never backtrack into, so they pass. Conservative: a rare
unambiguous body is refused too (`(ab?){1,9}`); the message says how to rewrite it.
Pure; runs on the parsed pattern (re._parser, as `lists._analyse`).
"""

from __future__ import annotations

from typing import Any

# A set of characters as atoms: ("lit", c), ("range", lo, hi), ("cat", name), ("any",),
# ("not", atoms): every character but those.
Atom = tuple[Any, ...]
_SAMPLES = "0aA_ -.中\n"  # a character of each category, to test categories against each other


def backtracking(pattern: str, flags: int) -> str | None:
    """Why `pattern` can backtrack catastrophically, or None."""
    import re._parser as sre_parse  # type: ignore[import-not-found]  # Python >= 3.11

    return _walk(sre_parse.parse(pattern, flags), sre_parse)


def _walk(seq: Any, sp: Any) -> str | None:
    for op, av in seq:
        if op is sp.MAX_REPEAT or op is sp.MIN_REPEAT:
            _, high, body = av
            if high > 1 and (why := _ambiguous(body, sp)):
                return why
            children = [body]
        elif op is sp.POSSESSIVE_REPEAT:
            children = [av[2]]
        elif op is sp.SUBPATTERN:
            children = [av[3]]
        elif op is sp.ATOMIC_GROUP:
            children = [av]
        elif op is sp.BRANCH:
            children = av[1]
        elif op is sp.GROUPREF_EXISTS:
            children = [c for c in av[1:] if c is not None]
        else:
            continue
        for child in children:
            if why := _walk(child, sp):
                return why
    return None


def _ambiguous(body: Any, sp: Any) -> str | None:
    inner = body
    while len(inner) == 1 and inner[0][0] is sp.SUBPATTERN:
        inner = inner[0][1][3]
    if len(inner) == 1 and inner[0][0] in (sp.ATOMIC_GROUP, sp.POSSESSIVE_REPEAT):
        return None  # matched once, never re-split
    low, high = body.getwidth()
    if low == 0:
        return "a repeated part can match the empty text (as in (\\w*)*), so it repeats without end"
    if low == high:
        return None
    first, _ = _edge(body, sp, last=False)
    last, _ = _edge(body, sp, last=True)
    if _meet(first, last):
        return (
            "nested repetition: a repeated part of variable length can end with a character"
            " it starts with (as in (a{1,9}){1,9} or (a|aa){1,9}), so a long text splits"
            " into its repeats in exponentially many ways; use a single repeat, or end the"
            " repeated part with a separator it cannot start with"
        )
    return None


def _edge(seq: Any, sp: Any, *, last: bool) -> tuple[list[Atom], bool]:
    """The characters a match of `seq` can start (or end) with, and whether it can be
    empty."""
    atoms: list[Atom] = []
    items = list(seq)
    for op, av in reversed(items) if last else items:
        found, empty = _item(op, av, sp, last)
        atoms += found
        if not empty:
            return atoms, False
    return atoms, True


def _item(op: Any, av: Any, sp: Any, last: bool) -> tuple[list[Atom], bool]:
    if op is sp.LITERAL:
        return [("lit", chr(av))], False
    if op is sp.NOT_LITERAL:
        return [("not", [("lit", chr(av))])], False
    if op is sp.ANY:
        return [("any",)], False
    if op is sp.IN:
        return _class(av, sp), False
    if op in (sp.MAX_REPEAT, sp.MIN_REPEAT, sp.POSSESSIVE_REPEAT):
        found, empty = _edge(av[2], sp, last=last)
        return found, empty or av[0] == 0
    if op is sp.SUBPATTERN:
        return _edge(av[3], sp, last=last)
    if op is sp.ATOMIC_GROUP:
        return _edge(av, sp, last=last)
    if op is sp.BRANCH or op is sp.GROUPREF_EXISTS:
        alternatives = av[1] if op is sp.BRANCH else [c for c in av[1:] if c is not None]
        atoms: list[Atom] = []
        empty = op is sp.GROUPREF_EXISTS and av[2] is None
        for alt in alternatives:
            found, alt_empty = _edge(alt, sp, last=last)
            atoms += found
            empty = empty or alt_empty
        return atoms, empty
    if op is sp.GROUPREF:
        return [("any",)], True
    return [], True  # anchors (^, $, \b) and the like take no character


def _class(items: Any, sp: Any) -> list[Atom]:
    atoms: list[Atom] = []
    if items and items[0][0] is sp.NEGATE:
        return [("not", _class(items[1:], sp))]
    for op, av in items:
        if op is sp.LITERAL:
            atoms.append(("lit", chr(av)))
        elif op is sp.RANGE:
            atoms.append(("range", av[0], av[1]))
        elif op is sp.CATEGORY:
            atoms.append(("cat", str(av)))
        else:
            return [("any",)]
    return atoms


def _has(atom: Atom, ch: str) -> bool:
    kind = atom[0]
    if kind == "any":
        return True
    if kind == "not":
        return not any(_has(a, ch) for a in atom[1])
    if kind == "lit":
        return ch.lower() == atom[1].lower()
    if kind == "range":
        return any(atom[1] <= ord(c) <= atom[2] for c in {ch, ch.lower(), ch.upper()})
    name = atom[1].lower()
    if "digit" in name:
        yes = ch.isdigit()
    elif "space" in name:
        yes = ch.isspace()
    else:  # word
        yes = ch.isalnum() or ch == "_"
    return not yes if "not" in name else yes


def _meet(a: list[Atom], b: list[Atom]) -> bool:
    """Whether some character is in both sets (tried on every literal and range of
    either, and one character of each category)."""
    candidates = set(_SAMPLES)
    atoms = [*a, *b]
    for atom in atoms:
        if atom[0] == "not":
            atoms += atom[1]
        elif atom[0] == "lit":
            candidates.add(atom[1])
        elif atom[0] == "range":
            low, high = atom[1], atom[2]
            span = range(low, high + 1) if high - low <= 0x3000 else (low, high)
            candidates.update(chr(c) for c in span)
    return any(any(_has(x, c) for x in a) and any(_has(y, c) for y in b) for c in candidates)
