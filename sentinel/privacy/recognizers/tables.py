"""Cells of a pasted table's column, found by the column's header.

A value in a table says what it is only through its header (| 姓名 | 生日 |, `name,dob`),
so recognizers that know a column's meaning (a birth date, a person's name) read the
cells under that header: markdown (`|`), CSV (`,` `;`) and TSV rows, one a line, also
when the line breaks arrive escaped ("\\n" pasted from a log or a JSON string). A table
of two columns counts with `|` or a tab between them (a comma between two words is a
sentence's). SQL labels values the same way: `INSERT INTO t (full_name, dob) VALUES
('...', '...'), (...)` gives each tuple's value the name of the column at its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

LINE_BREAK = re.compile(r"\r?\n|\\n")
_CELL_SEPARATORS = ("|", "\t", ",", ";")
# The halves of an English date a comma splits: "Mar 16" / "16th March" and " 1952".
_MONTH_DAY_CELL = re.compile(
    r"\s*[\"']?(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?)"
)
_YEAR_CELL = re.compile(r"\s\d{4}\s*[\"']?")


# INSERT INTO t (columns) VALUES: the column list; then each tuple's values, a quoted
# string (its quote doubled inside), or a run without separators (a number, NULL, now()).
_INSERT = re.compile(
    r"\binsert\s{1,9}into\s{1,9}[\w.`\"\[\]]{1,80}\s{0,9}\((?P<columns>[^()]{1,2000})\)"
    r"\s{0,9}values\s{0,9}",
    re.IGNORECASE,
)
_TUPLE_OPEN = re.compile(r"\s{0,9},?\s{0,9}\(")
_VALUE = re.compile(
    r"\s{0,9}(?:'(?P<q1>(?:[^']|'')*)'|\"(?P<q2>(?:[^\"]|\"\")*)\"|(?P<bare>[^,()'\"\s][^,()'\"]*))"
)
_VALUE_END = re.compile(r"\s{0,9}(?P<sep>[,)])")


def _sql_values(text: str, header: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    if "insert" not in text.lower():
        return
    for insert in _INSERT.finditer(text):
        names = [_label(c) for c in insert["columns"].split(",")]
        wanted = {i for i, name in enumerate(names) if header.fullmatch(name)}
        pos = insert.end()
        while wanted and (opened := _TUPLE_OPEN.match(text, pos)):
            pos, index = opened.end(), 0
            while (value := _VALUE.match(text, pos)) and (
                end := _VALUE_END.match(text, value.end())
            ):
                group = next(g for g in ("q1", "q2", "bare") if value[g] is not None)
                if index in wanted and value.end(group) > value.start(group):
                    yield value.start(group), value.end(group)
                pos, index = end.end(), index + 1
                if end["sep"] == ")":
                    break
            else:
                return


def _label(cell: str) -> str:
    """A header cell without quotes, emphasis, or the words before a colon ("export: name")."""
    return re.split(r"[:：]", cell)[-1].strip(" \"'*`")


def _rejoin_dates(cells: list[str], sep: str, width: int) -> list[str]:
    """A row of more cells than its header whose extra comma is a date's ("March 16, 1952",
    unquoted): the month-and-day cell and the year cell are one."""
    if sep != "," or len(cells) <= width:
        return cells
    out: list[str] = []
    for cell in cells:
        if out and _YEAR_CELL.fullmatch(cell) and _MONTH_DAY_CELL.fullmatch(out[-1]):
            out[-1] += sep + cell
        else:
            out.append(cell)
    return out


def column_cells(text: str, header: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """(start, end) of every cell below the first header cell `header` matches whole,
    and of every SQL INSERT value in a column `header` names."""
    if not header.search(text):  # no table of that column
        return
    yield from _sql_values(text, header)
    if not LINE_BREAK.search(text):
        return
    cuts = [(m.start(), m.end()) for m in LINE_BREAK.finditer(text)]
    starts = [0, *(end for _, end in cuts)]
    ends = [*(start for start, _ in cuts), len(text)]
    column: tuple[str, int, int] | None = None
    for start, end in zip(starts, ends, strict=True):
        line = text[start:end]
        if column is None:
            for sep in _CELL_SEPARATORS:
                cells = line.split(sep)
                hits = [i for i, c in enumerate(cells) if header.fullmatch(_label(c))]
                if hits and (len(cells) > 2 or (len(cells) == 2 and sep in "|\t")):
                    column = (sep, hits[0], len(cells))
                    break
            continue
        sep, index, width = column
        cells = _rejoin_dates(line.split(sep), sep, width)
        if len(cells) <= index:
            continue
        cell_start = start + sum(len(c) + len(sep) for c in cells[:index])
        cell = cells[index]
        lead = len(cell) - len(cell.lstrip(" \"'"))
        yield cell_start + lead, cell_start + len(cell.rstrip(" \"'"))
