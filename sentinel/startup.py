"""How the long-running commands (`sentinel serve`, `sentinel proxy`) fail to start:
one message on stderr that names the problem, and exit status 2, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from sentinel.errors import ConfigurationError


@contextmanager
def startup_errors() -> Iterator[None]:
    """Around reading settings and rules, opening the store and building the servers."""
    from pydantic import ValidationError

    from sentinel.rules.loader import RuleLoadError
    from sentinel.settings_errors import describe

    try:
        yield
    except typer.Exit:
        raise
    except ValidationError as exc:
        typer.echo(f"configuration error:\n{describe(exc)}", err=True)
        raise typer.Exit(2) from None
    except RuleLoadError as exc:
        for err in exc.errors:
            typer.echo(f"rule error: {err}", err=True)
        raise typer.Exit(2) from None
    except ConfigurationError as exc:  # e.g. no upstream key for the proxy
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:  # unreachable store, bad URL: say which, do not trace
        typer.echo(f"cannot start: {exc}", err=True)
        raise typer.Exit(2) from None


def configure_logging() -> None:
    """INFO lines of Sentinel's own; the scheduler's per-run chatter ("Running job",
    "executed successfully", hundreds an hour) and elastic_transport's line per request
    (every lease renewal, rule query and status read: several a second on
    Elasticsearch) only when the root logger is at DEBUG; their warnings still show."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    debug = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    for chatty in ("apscheduler", "elastic_transport"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if debug else logging.WARNING)
    for handler in logging.getLogger().handlers:  # on handlers: child loggers' records
        handler.addFilter(_no_library_traceback)  # skip their parents' logger filters


def _no_library_traceback(record: Any) -> bool:
    """elastic_transport logs each retried request at WARNING with its whole exception
    chain: some 50 lines of traceback per attempt before `cannot start: Elasticsearch
    unreachable`, and again on every outage. Its message already names the failure."""
    if record.name.startswith("elastic_transport"):
        record.exc_info = record.exc_text = None
    return True


def announce_when_listening(server: Any, what: str, path: str = "") -> None:
    """Log the addresses `server` (a uvicorn.Server) listens on once it has bound them:
    the real port even for port 0, and nothing when binding failed (uvicorn says why)."""
    import logging
    import threading
    import time

    log = logging.getLogger("sentinel.startup")

    def wait() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        for listener in getattr(server, "servers", []):
            for sock in listener.sockets:
                host, port = sock.getsockname()[:2]
                shown = f"[{host}]" if ":" in host else host
                log.info("sentinel %s listening on http://%s:%d%s", what, shown, port, path)

    threading.Thread(target=wait, name=f"sentinel-announce-{what}", daemon=True).start()
