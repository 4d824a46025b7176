"""Real headless Chromium for the page tests (a plain module so tests can import it by
name): run it on a URL, and read back the text of every element with an id and the
data-* attributes of table rows from the DOM it dumps."""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser


class Texts(HTMLParser):
    """Text of every element with an id, and the data-* attributes of table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, list[dict[str, str]]] = {}
        self._open: list[tuple[str, str | None]] = []
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id")
        if tag == "tr" and self._table and any(k.startswith("data-") for k in a):
            self.rows.setdefault(self._table, []).append(
                {k[5:]: v or "" for k, v in a.items() if k.startswith("data-")}
            )
        self._open.append((tag, a.get("id")))
        if a.get("id"):
            self.by_id[a["id"] or ""] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            t, _ = self._open.pop()
            if t == tag:
                break
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.by_id[element_id] += data


def run_chromium(
    binary: str, *args: str, budget_ms: int = 5000
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", f"--virtual-time-budget={budget_ms}", *args],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
