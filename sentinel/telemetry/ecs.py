"""The one ECS JSON log line per call, formatted by Elastic's `ecs-logging`.

Lines go to the `sentinel.calls` logger. Unless the app configured that logger itself
(handlers on it), Sentinel adds one handler writing to stderr (or where
SENTINEL_LOG_STREAM says), or to the stream passed as `Sentinel(log_stream=...)`; it
does not propagate, so root handlers do not print each call twice.

Sentinel's own handler writes every line at once but flushes the stream at most every
FLUSH_INTERVAL seconds (and on the client's flush()/close() and at interpreter exit):
a flush per line is a write system call per call, which cost a fully instrumented call
~5% of its CPU on loopback. A process killed with SIGKILL can lose the lines of the
last FLUSH_INTERVAL that its stream still buffered, as with any buffered stdout.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from typing import Any, TextIO

import ecs_logging
import orjson

from sentinel.errors import ConfigurationError

CALL_LOGGER = "sentinel.calls"
FLUSH_INTERVAL = 0.1
_EXCLUDE = ["log.origin", "log.original", "process"]
_lock = threading.Lock()


class _Flusher:
    """One daemon thread flushing the handlers that wrote since its last turn."""

    def __init__(self) -> None:
        self._dirty: set[logging.Handler] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def mark(self, handler: logging.Handler) -> None:
        with self._lock:
            self._dirty.add(handler)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sentinel-log-flush", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL)
            with self._lock:
                dirty, self._dirty = self._dirty, set()
            for handler in dirty:
                with contextlib.suppress(Exception):  # a closed stream: nothing to flush
                    handler.flush()


_flusher = _Flusher()


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """StreamHandler that leaves flushing to the flusher thread (see module)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)
        else:
            _flusher.mark(self)

    def write_line(self, line: str) -> None:
        """A formatted call line, written as `handle` would (under the handler's lock)."""
        with self.lock:  # type: ignore[union-attr]  (created by Handler.__init__)
            self.stream.write(line + self.terminator)
        _flusher.mark(self)


def direct_handler(logger: logging.Logger) -> LineHandler | None:
    """Sentinel's own handler when it is all a call line on `logger` would go through
    (no other handler, no filter, no propagation, Sentinel's formatter), else None.

    A call line then skips the LogRecord and the logging machinery (~20 us of a call's
    CPU: the record's process/thread lookups, handle, filters, locks) and is written
    as the formatter would write it (`call_line`). Checked per call, so a handler or
    filter the app adds later takes the ordinary path at once."""
    handlers = logger.handlers
    if len(handlers) != 1 or logger.filters or logger.propagate:
        return None
    handler = handlers[0]
    if (
        not isinstance(handler, LineHandler)
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) is not CallFormatter
    ):
        return None
    return handler


def flush(logger: logging.Logger) -> None:
    """Write out what Sentinel's handler on `logger` still buffers (never raises: the
    app may have closed the stream it gave us)."""
    for handler in logger.handlers:
        if isinstance(handler, LineHandler):
            with contextlib.suppress(Exception):
                handler.flush()


class _StdHandler(LineHandler):
    """Resolves sys.stdout or sys.stderr at emit time, so a redirected or captured
    stream is honoured."""

    def __init__(self, name: str) -> None:
        self._which = name  # not `_name`: logging.Handler's own name attribute
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return getattr(sys, self._which)

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


_second: tuple[int, str] = (-1, "")  # the last second formatted and its text, as one
# value, so a thread never pairs one second with another's text


def _timestamp(created: float) -> str:
    """`@timestamp` as ecs-logging writes it (UTC, milliseconds), with the seconds part
    formatted once per second instead of a strftime per line."""
    global _second
    second = int(created)
    last = _second
    if last[0] != second:
        last = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{last[1]}.{int(created * 1000) % 1000:03d}Z"


class CallFormatter(ecs_logging.StdlibFormatter):
    """ecs-logging's formatter, with a fast path for call lines.

    The per-call fields arrive already nested as `record.ecs`, so the generic
    flatten / de-dot / merge of `extra` and the sorted four-part dump (most of the
    formatting cost) are skipped: one `orjson.dumps` (a tenth of `json.dumps` here) of
    a document that already starts with `@timestamp`, `log.level`, `message` as the ECS
    logging spec asks. Other records on the logger go through ecs-logging unchanged.
    """

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "ecs", None)
        if fields is None:
            return super().format(record)
        return call_line(
            record.created, record.levelname.lower(), record.getMessage(), record.name, fields
        )


def call_line(created: float, level: str, message: str, logger: str, fields: Any) -> str:
    """One call's ECS line (see CallFormatter; `direct_handler` writes it unchanged)."""
    doc = {
        "@timestamp": _timestamp(created),
        "log.level": level,
        "message": message,
        "ecs.version": ecs_logging.ECS_VERSION,
        "log": {"logger": logger},
        **fields,
    }
    return orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def ecs_formatter() -> logging.Formatter:
    return CallFormatter(exclude_fields=_EXCLUDE)


def _destination_handler(destination: str) -> logging.Handler:
    if destination.lower() in ("stdout", "stderr"):  # `STDOUT` is not a file name
        return _StdHandler(destination.lower())
    # a file path: appended to, line-buffered writes flushed by the flusher thread
    try:
        return LineHandler(open(destination, "a", encoding="utf-8"))
    except OSError as exc:
        # the client constructor's promise: a ConfigurationError naming the variable
        raise ConfigurationError(
            f"SENTINEL_LOG_STREAM: cannot append to {os.path.abspath(destination)} "
            f"({exc.strerror or type(exc).__name__}): use stdout, stderr or a writable file"
        ) from None


def call_logger(stream: TextIO | None = None, destination: str = "stderr") -> logging.Logger:
    """The logger for call lines: per-stream when a stream is given (tests, demo), else
    the process-wide one writing to `destination` (SENTINEL_LOG_STREAM: stdout, stderr
    or a file path; the first client of the process sets it up). stderr by default: the
    app's own output on stdout stays its own."""
    if stream is not None:
        # a private logger outside the logging tree, collected with its client
        logger = logging.Logger(CALL_LOGGER)
        _configure(logger, LineHandler(stream))
        return logger
    with _lock:
        logger = logging.getLogger(CALL_LOGGER)
        if not logger.handlers:
            _configure(logger, _destination_handler(destination))
        return logger


def _configure(logger: logging.Logger, handler: logging.Handler) -> None:
    handler.setFormatter(ecs_formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
