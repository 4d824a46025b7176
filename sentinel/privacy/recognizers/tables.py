"""Cells of a pasted table's column, found by the column's header.

A value in a table says what it is only through its header (| 姓名 | 生日 |, `name,dob`),
so recognizers that know a column's meaning (a birth date, a person's name) read the
cells under that header: markdown (`|`), CSV (`,` `;`) and TSV rows, one a line, also
when the line breaks arrive escaped ("\\n" pasted from a log or a JSON string).
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
    """(start, end) of every cell below the first header cell `header` matches whole."""
    if not LINE_BREAK.search(text) or not header.search(text):  # no table of that column
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
                if len(cells) > 2 and hits:
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
