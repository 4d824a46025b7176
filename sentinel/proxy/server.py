"""Running the proxy: `sentinel proxy` on its own, or next to the API in `sentinel serve`.

The server is uvicorn with httptools and the connection limits of
`sentinel.api.serving` (header size and time, body time, keep-alive, concurrency);
access logs are off because every call already gets its ECS log line from the client.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

import typer

from sentinel.config import Settings
from sentinel.store.base import Store


def proxy_server(settings: Settings, store: Store) -> Any:
    """A uvicorn.Server for the proxy on SENTINEL_PROXY_HOST:SENTINEL_PROXY_PORT; raises
    ConfigurationError (e.g. no upstream key) before anything listens."""
    import uvicorn

    from sentinel.api.serving import server_config
    from sentinel.client.async_ import AsyncSentinel
    from sentinel.proxy.app import create_proxy_app

    # Built here, not on startup, so a missing upstream key fails before binding a port.
    client = AsyncSentinel(settings=settings, store=store)
    app = create_proxy_app(client, close_client=True)
    config = server_config(
        app,
        settings.proxy_host,
        settings.proxy_port,
        settings,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    return uvicorn.Server(config)


def run_until_signalled(server: Any) -> None:
    """Serve until SIGTERM/SIGINT, then exit 0 after in-flight calls end and the
    client's records are flushed. uvicorn re-raises the signal it caught after its own
    shutdown, to the handler it found; ours only asks for the stop already under way,
    as in `sentinel serve` (see `Daemon.serve_forever`)."""

    def on_signal(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def register(app: typer.Typer) -> None:
    """Add `sentinel proxy` to the `sentinel` app."""

    @app.command("proxy")
    def proxy() -> None:
        """Serve the OpenAI-compatible proxy alone (apps authenticate with `proxy` tokens)."""
        from sentinel.startup import announce_when_listening, configure_logging, startup_errors
        from sentinel.store import open_store

        configure_logging()
        with startup_errors():
            settings = Settings()
            store = open_store(settings=settings)
        try:
            with startup_errors():  # e.g. no upstream key
                server = proxy_server(settings, store)
            announce_when_listening(server, "proxy", "/v1")
            run_until_signalled(server)
        finally:
            store.close()
