"""`sentinel redact` (stdin to stdout) and `sentinel anonymize` commands.

`redact` streams: it reads a bounded chunk of lines, redacts them as one batch, writes
them and forgets them, so memory stays flat for any input size. Each line (plain text)
or record (JSONL) is its own document for placeholder numbering. The progress bar
goes to stderr and only when stderr is a terminal, so pipelines see clean output.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

import typer

from sentinel.privacy.language import LangChoice

if TYPE_CHECKING:
    from sentinel.privacy.redactor import Redactor

CHUNK_LINES = 256


def _get(record: dict[str, Any], path: list[str]) -> Any:
    node: Any = record
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _set(record: dict[str, Any], path: list[str], value: str) -> None:
    node = record
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _chunks(stream: IO[str]) -> Iterator[list[str]]:
    while chunk := list(itertools.islice(stream, CHUNK_LINES)):
        yield chunk


def redact_stream(
    source: IO[str],
    sink: IO[str],
    redactor: Redactor,
    lang: LangChoice = "auto",
    jsonl: bool = False,
    field: str = "text",
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Redact `source` into `sink` chunk by chunk; returns the number of lines."""
    path = field.split(".")
    count = 0
    for chunk in _chunks(source):
        lines = [line.rstrip("\r\n") for line in chunk]
        if jsonl:
            records = []
            for n, line in enumerate(lines, start=count + 1):
                try:
                    records.append(json.loads(line) if line.strip() else None)
                except json.JSONDecodeError as exc:
                    raise typer.BadParameter(f"input line {n} is not JSON: {exc.msg}") from None
            targets = [
                (i, v)
                for i, r in enumerate(records)
                if isinstance(r, dict) and isinstance(v := _get(r, path), str)
            ]
            redacted = redactor.redact_many([v for _, v in targets], lang)
            for (i, _), red in zip(targets, redacted, strict=True):
                _set(records[i], path, red.text)
            out = [
                json.dumps(r, ensure_ascii=False) if r is not None else line
                for r, line in zip(records, lines, strict=True)
            ]
        else:
            out = [r.text for r in redactor.redact_many(lines, lang)]
        sink.write("".join(line + "\n" for line in out))
        sink.flush()
        count += len(chunk)
        if on_chunk is not None:
            on_chunk(sum(len(line.encode()) for line in chunk))
    return count


@contextmanager
def _progress(source: IO[str]) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr when it is a terminal (sized when stdin is a
    file); yields the callback that advances it by a number of bytes, or None."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn

    try:
        size = os.fstat(source.fileno()).st_size or None
    except (OSError, ValueError):
        size = None
    columns = (SpinnerColumn(), TextColumn("redacting"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("redact", total=size)
        yield lambda n: progress.advance(task, n)


def register(app: typer.Typer) -> None:
    """Add `redact` and `anonymize` to the `sentinel` app."""

    @app.command("redact")
    def redact_cmd(
        lang: str = typer.Option("auto", "--lang", help="auto (per text), en or zh"),
        jsonl: bool = typer.Option(False, "--jsonl", help="input is JSON Lines"),
        field: str = typer.Option("text", "--field", help="JSONL field to redact (a.b nests)"),
    ) -> None:
        """Replace PII on stdin with typed placeholders, writing to stdout."""
        if lang not in ("auto", "en", "zh"):
            raise typer.BadParameter("--lang must be auto, en or zh")
        from sentinel.privacy.job import default_redactor
        from sentinel.privacy.policy import PolicyError

        try:
            redactor = default_redactor()
        except PolicyError as exc:  # a bad SENTINEL_REDACT_* file: say where, no traceback
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        with _progress(sys.stdin) as on_chunk:
            redact_stream(
                sys.stdin,
                sys.stdout,
                redactor,
                cast(LangChoice, lang),
                jsonl,
                field,
                on_chunk,
            )

    @app.command("anonymize")
    def anonymize_cmd(
        once: bool = typer.Option(False, "--once", help="run one pass and exit"),
        store: str | None = typer.Option(None, "--store", help="store URL (SENTINEL_STORE)"),
    ) -> None:
        """Anonymize conversations before they turn SENTINEL_ANONYMIZE_WITHIN old."""
        from sentinel.clock import SYSTEM_CLOCK
        from sentinel.config import Settings, format_duration
        from sentinel.privacy.job import run_once
        from sentinel.store import open_store

        settings = Settings()
        st = open_store(store, settings)
        try:
            while True:
                report = run_once(st, settings)
                counts = ", ".join(f"{k}={v}" for k, v in sorted(report.entities.items()))
                typer.echo(
                    f"anonymized {report.anonymized} conversations "
                    f"(cutoff {report.cutoff.isoformat()}; entities: {counts or 'none'}); "
                    f"purged {report.cache_purged} cached responses; "
                    f"oldest raw is {format_duration(report.oldest_raw_age)} old"
                )
                if once:
                    return
                SYSTEM_CLOCK.sleep(settings.anonymize_interval.total_seconds())
        finally:
            st.close()
