"""Telling a non-streamed call that the app behind the proxy hung up.

A stream notices at once (EventStreamResponse cancels the relay). A non-streamed call
has nothing to write until the upstream answers, so Starlette would send the answer
into a closed socket and the call would be recorded as a success nobody received.
While such a call is upstream a task listens for the app's disconnect, and the client
records the finished call as a failure of type CancelledError, with the usage and cost
of the answer the upstream may still bill (sentinel.client.flow.CALLER_GONE); but no
retry or failover is sent once the app is gone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import Request

from sentinel.client.flow import CALLER_GONE
from sentinel.errors import APIConnectionError


@asynccontextmanager
async def watching_hangup(request: Request) -> AsyncIterator[None]:
    """Inside: the call's client knows whether the app is gone (the body is read)."""
    gone = False
    receive = request.receive

    async def watch() -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True

    watcher = asyncio.get_running_loop().create_task(watch())
    token = CALLER_GONE.set(lambda: gone)
    try:
        yield
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if not gone or (task is not None and task.cancelling()):
            raise
        # the client gave up before a retry (no one would receive the answer it bills),
        # and recorded the call as cancelled: an error answer to the closed socket, not
        # a traceback in the server's log
        raise APIConnectionError("the app hung up before a retry") from None
    finally:
        CALLER_GONE.reset(token)
        watcher.cancel()
