"""Term list files (`SENTINEL_SAFETY_LISTS`): the operator's data, validated whole.

One UTF-8 file per category (the file name's stem is the category unless a header
names it), one term per line:

    # category: violence       header lines; any other `#` line is a comment
    # action: block            flag (default) | mask | block
    # apply: both              input | output | both (default)
    # variants: zh             also match the simplified and traditional forms of
                               every term (OpenCC), for lists written in one script
    # plurals: en              also match the English plural of every Latin term
                               (scam: scams; kiss: kisses; spy: spies)
    # spaced: latin            also match every Latin term spaced out (i d i o t)
    炸弹                        a plain term, matched case- and width-insensitively
    发票|發票                   variants of one term, written out
    re:\\bkill(ed|ing)?\\b      a regular expression (of bounded length, so a stream
                               is never held back more than the longest match)

A header may appear again further down to start another category in the same file.
A leading byte order mark, CRLF line ends and lines of whitespace only are read as
plain lines (a BOM left mid-file is an invisible character, dropped like any);
a lone CR, a control character, a term of punctuation only, a regex source over
16,384 characters or nested past Python's limit are errors (sentinel.safety.listcheck).
Every problem is reported with its file and line, all of them at once, so one run of
`sentinel safety check` shows everything to fix. Reading files is the only I/O here.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import regex as regex_engine

from sentinel.errors import ConfigurationError
from sentinel.safety.forms import (
    FORMS,
    MAX_SPACED,
    english_plural,
    spaced_pattern,
    spaced_source,
    zh_variants,
)
from sentinel.safety.listcheck import (
    HEADER_KEYS,
    MAX_REGEX_SOURCE,
    encoding_hint,
    header_problem,
    line_problem,
    looks_utf16,
    shown,
    term_problem,
)
from sentinel.safety.normalize import fold_chars, is_word, normalize
from sentinel.safety.pause import Pauser, never
from sentinel.safety.regexcheck import backtracking

Action = Literal["flag", "mask", "block"]
Apply = Literal["input", "output", "both"]
ACTIONS: tuple[str, ...] = get_args(Action)
APPLIES: tuple[str, ...] = get_args(Apply)
RANK = {a: i for i, a in enumerate(ACTIONS)}  # block > mask > flag
_CATEGORY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HEADER_RE = re.compile(rf"#\s*({'|'.join(HEADER_KEYS)})\s*:\s*(.*?)\s*$")
REGEX_PREFIX = "re:"
MAX_REGEX_WIDTH = 256
MAX_TERM_LENGTH = MAX_REGEX_WIDTH  # a stream is held back by the longest term, too
MAX_LIST_BYTES = 64 << 20  # read whole into memory, and on every reload


class SafetyListError(ConfigurationError):
    """One or more list files are invalid; the message names each file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid safety list:\n  " + "\n  ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Policy:
    category: str
    action: Action = "flag"
    apply: Apply = "both"

    def applies_to(self, direction: str) -> bool:
        return self.apply in ("both", direction)


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # normalized
    category: str
    left: bool  # must not be preceded by a letter or digit
    right: bool  # must not be followed by one


@dataclass(frozen=True, slots=True)
class Pattern:
    regex: regex_engine.Pattern[str]  # `regex`, not `re`: its searches take a timeout
    category: str
    width: int  # the longest text it can match
    literal: str = ""  # text every match contains: a text without it needs no regex scan
    where: str = ""  # file:line, for the log when a search runs out of time


@dataclass(frozen=True)
class SafetyLists:
    policies: dict[str, Policy] = field(default_factory=dict)
    terms: tuple[Term, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    files: tuple[Path, ...] = ()

    @property
    def longest(self) -> int:
        """The longest match any entry can make, in normalized characters."""
        return max([len(t.text) for t in self.terms] + [p.width for p in self.patterns], default=0)


def list_files(specs: Iterable[str]) -> list[Path]:
    """The files named by SENTINEL_SAFETY_LISTS entries (a directory: its *.txt)."""
    files: list[Path] = []
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_dir():
            files.extend(_directory_lists(path))
        elif path.is_file():
            files.append(path)
        elif path.exists():  # a FIFO or a device: reading it could block or never end
            raise SafetyListError([f"SENTINEL_SAFETY_LISTS: {spec}: not a regular file"])
        else:
            raise SafetyListError([f"SENTINEL_SAFETY_LISTS: {spec}: no such file or directory"])
    return files


def _directory_lists(path: Path) -> list[Path]:
    """A list directory's *.txt files. One that is not a regular file (a broken link, a
    FIFO) is an error, not skipped: its category would be gone without a word. Hidden
    names are skipped (an editor's lock link, `.#violence.txt`, points nowhere)."""
    files, errors = [], []
    for p in sorted(path.glob("*.txt")):
        if p.is_file():
            files.append(p)
        elif not p.name.startswith("."):
            why = "a broken link" if p.is_symlink() and not p.exists() else "not a regular file"
            errors.append(f"{p}: {why}; every *.txt of a list directory is read as a list")
    if errors:
        raise SafetyListError(errors)
    return files


def signature(files: Sequence[Path], specs: Iterable[str]) -> tuple[object, ...]:
    """Changes when a list file is edited, added to a listed directory or removed."""
    sig: list[object] = []
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_dir():
            sig.append(tuple(sorted(p.name for p in path.glob("*.txt"))))
    for f in files:
        try:
            st = f.stat()
            # ctime and inode too: `cp -p` or `rsync -t` keep the mtime (and often the
            # size), but a write or a rename always moves the ctime
            sig.append((str(f), st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_size))
        except OSError:
            sig.append((str(f), None))
    return tuple(sig)


def _looks_around(node: object) -> bool:
    """Whether a parsed pattern holds a lookahead or lookbehind anywhere."""
    import re._parser as sre_parse  # type: ignore[import-not-found]  # Python >= 3.11

    # opcodes are int constants: compared by identity, or a repeat's (3, 3, ...) bounds
    # would equal one
    if (
        isinstance(node, tuple)
        and node
        and any(node[0] is op for op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT))
    ):
        return True
    if isinstance(node, (list, tuple, sre_parse.SubPattern)):
        return any(_looks_around(n) for n in node)
    return False


def _analyse(pattern: str) -> tuple[int | None, str]:
    """The longest text `pattern` can match (None if unbounded), and the longest run
    of plain characters every match contains (lower case: texts are folded)."""
    import re._parser as sre_parse  # type: ignore[import-not-found]  # Python >= 3.11

    parsed = sre_parse.parse(pattern, re.IGNORECASE)
    if _looks_around(parsed):
        # a streamed answer is held back by the longest match, which counts no
        # lookaround, and rescanned with one released character before it: a lookaround
        # reaching further sees a whole answer differently from the same answer streamed
        raise re.error("lookahead/lookbehind (?=, ?!, ?<=, ?<!) is not supported (use \\b)")
    _, high = parsed.getwidth()
    best = run = ""
    for op, arg in parsed:
        if op is sre_parse.LITERAL:
            run += chr(arg).lower()
            best = max(best, run, key=len)
        elif op is not sre_parse.AT:  # \b, ^, $ take no characters
            run = ""
    return (None if high >= sre_parse.MAXREPEAT else int(high)), best


class _Parser:
    def __init__(self, pause: Pauser = never) -> None:
        self.pause = pause  # a reload beside calls hands the GIL over now and then
        self.problems: list[str] = []
        self.policies: dict[str, tuple[Policy, str]] = {}  # and where it was declared
        self.terms: dict[tuple[str, str], Term] = {}
        self.patterns: list[Pattern] = []
        # per category: its spaced terms' regex alternatives, the widest, where the first is
        self.spaced: dict[str, tuple[list[str], int, str]] = {}

    def _read(self, path: Path) -> str | None:
        """The file's text, or None with the problem noted."""
        try:
            with path.open("rb") as f:
                data = f.read(MAX_LIST_BYTES + 1)  # never more: a list file may be huge
        except OSError as exc:
            self.problems.append(f"{path}: cannot read: {exc.strerror}")
            return None
        if len(data) > MAX_LIST_BYTES:
            self.problems.append(
                f"{path}: over {MAX_LIST_BYTES >> 20} MB; a list file is at most that"
                " (50,000 terms take about 1 MB)"
            )
            return None
        if kind := looks_utf16(data):  # ASCII in UTF-16 decodes, NULs and all
            self.problems.append(f"{path}:1: not UTF-8: it is {kind} (save it as UTF-8)")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            hint = encoding_hint(data)
            self.problems.append(f"{path}:{line}: not UTF-8 (byte {exc.start}){hint}")
            return None

    def file(self, path: Path) -> None:
        """One pass over a list file's lines, in one function because each header line
        changes the policy (category, action, apply and the forms) that the terms
        after it are read under: split up, that state would travel through every part."""
        text = self._read(path)
        if text is None:
            return
        category = path.stem
        action: str = "flag"
        apply: str = "both"
        forms: dict[str, bool] = {}  # variants, plurals, spaced: on or not
        declared = f"{path}:1"
        in_header = True
        # lines end at "\n" only (as editors and `wc -l` count them): splitlines() also
        # breaks at form feeds, U+0085 and U+2028, misnumbering every line after one
        for no, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
            line = raw.strip()
            where = f"{path}:{no}"
            if not line:
                continue
            header = _HEADER_RE.match(line)
            if problem := line_problem(raw, line.startswith("#") and not header):
                self.problems.append(f"{where}: {problem}")
                continue
            if header:
                key, value = header.group(1), header.group(2)
                if not in_header:
                    if key != "category":
                        self.problems.append(
                            f"{where}: '{key}:' must come before the terms of its category"
                            " (or start a new one with '# category: NAME')"
                        )
                        continue
                    self._policy(category, action, apply, declared)
                    action, apply, forms = "flag", "both", {}
                in_header = True
                declared = where
                if key == "category":
                    category = value
                elif key == "action":
                    action = value
                elif key == "apply":
                    apply = value
                else:  # a form: variants zh, plurals en, spaced latin (or none)
                    on = FORMS[key]
                    if value not in (on, "none"):
                        self.problems.append(
                            f"{where}: {key} must be {on} or none, got {shown(value)}"
                        )
                    forms[key] = value == on
                continue
            if line.startswith("#"):
                if problem := header_problem(line):
                    self.problems.append(f"{where}: {problem}")
                continue
            if in_header:
                in_header = False
                if not _CATEGORY_RE.fullmatch(category):
                    self.problems.append(
                        f"{declared}: category {shown(category)} must be 1-64 letters, digits, "
                        "'_', '.' or '-' (name the file or add '# category: NAME')"
                    )
            if line.startswith(REGEX_PREFIX):
                self._regex(line[len(REGEX_PREFIX) :], category, where)
            else:
                self._term(line, category, forms, where)
        self._policy(category, action, apply, declared)

    def _policy(self, category: str, action: str, apply: str, where: str) -> None:
        ok = True
        if action not in ACTIONS:
            self.problems.append(
                f"{where}: action must be one of {', '.join(ACTIONS)}, got {shown(action)}"
            )
            ok = False
        if apply not in APPLIES:
            self.problems.append(
                f"{where}: apply must be one of {', '.join(APPLIES)}, got {shown(apply)}"
            )
            ok = False
        if not ok:
            return
        policy = Policy(category, action, apply)  # type: ignore[arg-type]
        known = self.policies.get(category)
        if known is not None and known[0] != policy:
            self.problems.append(
                f"{where}: category {shown(category)} is {action}/{apply} here but "
                f"{known[0].action}/{known[0].apply} at {known[1]}"
            )
            return
        self.policies.setdefault(category, (policy, where))

    def _term(self, line: str, category: str, forms: dict[str, bool], where: str) -> None:
        self.pause()
        alternatives = [a.strip() for a in line.split("|")]
        if forms.get("variants"):
            alternatives += [v for a in alternatives for v in zh_variants(a)]
        texts = [normalize(alt).text.strip() for alt in alternatives]
        if not all(texts):
            self.problems.append(f"{where}: empty term (in {shown(line)})")
        if forms.get("plurals"):
            texts += [p for t in texts if (p := english_plural(t)) and len(p) <= MAX_TERM_LENGTH]
        for text in filter(None, texts):
            if len(text) > MAX_TERM_LENGTH:
                self.problems.append(
                    f"{where}: term of {len(text)} characters; at most {MAX_TERM_LENGTH}"
                    " (a streamed answer is held back by the longest term)"
                )
                continue
            if problem := term_problem(text):
                self.problems.append(f"{where}: {problem}")
                continue
            term = Term(text, category, is_word(text[0]), is_word(text[-1]))
            if (text, category) in self.terms:
                continue
            self.terms[text, category] = term
            if forms.get("spaced") and (spaced := spaced_source(text, MAX_REGEX_WIDTH)):
                self._spaced(category, spaced, where)

    def _spaced(self, category: str, spaced: tuple[str, int], where: str) -> None:
        count = sum(len(alts) for alts, _, _ in self.spaced.values())
        if count == MAX_SPACED:
            self.problems.append(
                f"{where}: more than {MAX_SPACED} terms marked '# spaced: latin' in all"
                " lists (each costs ~3 us per KB screened; mark only the words that need it)"
            )
        alts, width, first = self.spaced.get(category, ([], 0, where))
        alts.append(spaced[0])
        self.spaced[category] = (alts, max(width, spaced[1]), first)

    def spaced_patterns(self) -> list[Pattern]:
        """One regex per category for its spaced terms (where: the first one's line)."""
        return [
            Pattern(regex_engine.compile(spaced_pattern(alts), regex_engine.IGNORECASE),
                    category, width, "", where)
            for category, (alts, width, where) in self.spaced.items()
        ]  # fmt: skip

    def _regex(self, source: str, category: str, where: str) -> None:
        if len(source) > MAX_REGEX_SOURCE:
            self.problems.append(
                f"{where}: regular expression of {len(source)} characters; at most"
                f" {MAX_REGEX_SOURCE} (split it into several lines)"
            )
            return
        source = fold_chars(source)  # matched against folded text, as terms are
        try:
            # `re`'s parser (the analysis) warns of syntax whose meaning it will change
            # (`[[`, `--` in a set): named here, not printed on stderr from this module
            with warnings.catch_warnings():
                warnings.simplefilter("error", FutureWarning)
                regex = regex_engine.compile(source, regex_engine.IGNORECASE)
                width, literal = _analyse(source)
                why = backtracking(source, re.IGNORECASE)
        except FutureWarning as exc:
            self.problems.append(f"{where}: ambiguous regular expression: {exc} (escape it)")
            return
        except (re.error, regex_engine.error) as exc:
            self.problems.append(f"{where}: invalid regular expression: {exc}")
            return
        except RecursionError:
            self.problems.append(f"{where}: regular expression nested too deeply")
            return
        if why:
            self.problems.append(
                f"{where}: regular expression can backtrack catastrophically: " + why
            )
            return
        if width is None or width > MAX_REGEX_WIDTH:
            self.problems.append(
                f"{where}: regular expression can match more than {MAX_REGEX_WIDTH} characters"
                " (bound every repeat: {1,20} instead of + or *)"
            )
            return
        # width 0: only ever the empty string (`\b`, `^`), which matching ignores, so the
        # line would screen nothing while `safety check` said OK
        if width == 0 or regex.match(""):
            self.problems.append(f"{where}: regular expression matches the empty string")
            return
        self.patterns.append(Pattern(regex, category, width, literal, where))


def parse_files(files: Sequence[Path], pause: Pauser = never) -> SafetyLists:
    """The lists in `files`, or SafetyListError naming every problem."""
    parser = _Parser(pause)
    for f in files:
        parser.file(f)
    if parser.problems:
        raise SafetyListError(parser.problems)
    return SafetyLists(
        policies={c: p for c, (p, _) in parser.policies.items()},
        terms=tuple(parser.terms.values()),
        patterns=(*parser.patterns, *parser.spaced_patterns()),
        files=tuple(files),
    )


def load_lists(specs: Sequence[str]) -> SafetyLists:
    return parse_files(list_files(specs))
