"""`sentinel redact` (stdin to stdout) and `sentinel anonymize` commands.

`redact` streams: it reads a bounded chunk of lines, redacts them as one batch, writes
them and forgets them, so memory stays flat for any input size. A plain-text line longer
than LINE_PIECE characters is streamed too, piece by piece: each piece is redacted up to
a cut that no finding straddles, and the rest (at least the analyzer's window overlap)
goes on with the next piece, so an entity across two pieces is still found whole. A
JSONL record is parsed whole (JSON cannot be cut), and its long texts are analyzed in
windows. Each line (plain text) or record (JSONL) is its own document for placeholder
numbering. The progress bar
goes to stderr and only when stderr is a terminal, so pipelines see clean output.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, cast

import typer

from sentinel.privacy.language import LangChoice

if TYPE_CHECKING:
    from sentinel.config import Settings
    from sentinel.privacy.redactor import Redactor
    from sentinel.store.base import Store

CHUNK_LINES = 256
LINE_PIECE = 1 << 20  # characters of one line read at a time
_SURROGATE = re.compile("[\ud800-\udfff]")


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


def _dumps(record: Any) -> str:
    """JSON with its text as is, but a lone surrogate escaped back as it came in
    ("\\ud800"): JSON allows it, a UTF-8 stdout cannot write it."""
    text = json.dumps(record, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _is_long(line: str) -> bool:
    return len(line) == LINE_PIECE and not line.endswith("\n")


def _chunks(stream: IO[str], whole_lines: bool) -> Iterator[list[str] | str]:
    """Lists of up to CHUNK_LINES lines, and, alone, the first LINE_PIECE characters of
    each longer line (unless `whole_lines`, which reads such a line to its end)."""
    chunk: list[str] = []
    while line := stream.readline(LINE_PIECE):
        if _is_long(line) and not whole_lines:
            if chunk:
                yield chunk
                chunk = []
            yield line
            continue
        while _is_long(line) and whole_lines:
            more = stream.readline(LINE_PIECE)
            line += more
            if not _is_long(more):
                break
        chunk.append(line)
        if len(chunk) == CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _redact_long_line(
    first: str, source: IO[str], sink: IO[str], redactor: Redactor, lang: LangChoice
) -> int:
    """Stream one line longer than LINE_PIECE to `sink`; returns the bytes read."""
    from sentinel.privacy.chunks import OVERLAP_CHARS
    from sentinel.privacy.redactor import Placeholders, apply

    placeholders = Placeholders()
    buf, read, ended = first, len(first.encode()), False
    while True:
        if not ended:
            more = source.readline(LINE_PIECE)
            read += len(more.encode())
            ended = not _is_long(more)
            buf += more
        text = buf.rstrip("\r\n") if ended else buf
        entities = redactor.analyze_many([text], lang)[0]
        if ended:
            sink.write(apply(text, entities, placeholders) + "\n")
            return read
        cut = len(text) - OVERLAP_CHARS
        cut = min([cut, *(e.start for e in entities if e.start < cut < e.end)])
        if cut <= 0 and len(text) > 4 * LINE_PIECE:  # one "finding" longer than that
            cut = len(text) - OVERLAP_CHARS
        if cut > 0:
            sink.write(apply(text[:cut], [e for e in entities if e.end <= cut], placeholders))
            buf = text[cut:]


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
    for chunk in _chunks(source, whole_lines=jsonl):
        if isinstance(chunk, str):
            size = _redact_long_line(chunk, source, sink, redactor, lang)
            sink.flush()
            count += 1
            if on_chunk is not None:
                on_chunk(size)
            continue
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
                _dumps(r) if r is not None else line for r, line in zip(records, lines, strict=True)
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


def _anonymize_loop(st: Store, settings: Settings, once: bool) -> None:
    from sentinel.clock import SYSTEM_CLOCK
    from sentinel.durations import format_duration
    from sentinel.privacy.job import run_once

    try:
        while True:
            report = run_once(st, settings)
            age = format_duration(report.oldest_raw_age)
            counts = ", ".join(f"{k}={v}" for k, v in sorted(report.entities.items()))
            typer.echo(
                f"anonymized {report.anonymized} conversations "
                f"(cutoff {report.cutoff.isoformat()}; entities: {counts or 'none'}); "
                f"failed {report.failed} (retried later), masked {report.masked}, "
                f"waiting for a retry {report.waiting}; "
                f"purged {report.cache_purged} cached responses; "
                + (f"oldest raw is {age} old" if report.any_raw else "nothing left raw")
            )
            if once:
                return
            SYSTEM_CLOCK.sleep(settings.anonymize_interval.total_seconds())
    finally:
        st.close()


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
            try:
                redact_stream(
                    sys.stdin,
                    sys.stdout,
                    redactor,
                    cast(LangChoice, lang),
                    jsonl,
                    field,
                    on_chunk,
                )
            except UnicodeDecodeError:
                raise typer.BadParameter("input is not UTF-8 text", param_hint="stdin") from None

    @app.command("anonymize")
    def anonymize_cmd(
        once: bool = typer.Option(False, "--once", help="run one pass and exit"),
        store: str | None = typer.Option(None, "--store", help="store URL (SENTINEL_STORE)"),
    ) -> None:
        """Anonymize conversations before they turn SENTINEL_ANONYMIZE_WITHIN old."""
        from sentinel.config import Settings
        from sentinel.store import open_store
        from sentinel.store.base import StoreError

        settings = Settings()
        try:
            _anonymize_loop(open_store(store, settings), settings, once)
        except StoreError as exc:  # the store, not a conversation: say which, no trace
            typer.echo(f"anonymization stopped: {exc}", err=True)
            raise typer.Exit(1) from None
