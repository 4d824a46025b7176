"""The proxy's SSE response: Starlette's StreamingResponse minus what a relay of small
events pays for on every stream.

On uvicorn's ASGI 2.3 StreamingResponse runs the body in an anyio task group next to a
disconnect listener, so the first event waits for a new task to be scheduled; and every
piece, plus the end of the body, is a write of its own, each waking the app's process.
Here the body is sent from the handler's own task (a plain asyncio task only listens
for the app hanging up, and cancels the relay so the upstream call ends and is
recorded as the app's cancellation), and the last piece carries the end of the body.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

# (bytes, more): what to write, and whether more follows; the last piece has more=False
Pieces = AsyncGenerator[tuple[bytes, bool], None]


class EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, pieces: Pieces, headers: Mapping[str, str]) -> None:
        self.pieces = pieces
        self.status_code = 200
        self.background = None
        self.init_headers(headers)
        self._complete = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        watcher = asyncio.get_running_loop().create_task(self._watch(receive, task))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            more = True
            async for data, more in self.pieces:
                self._complete = not more
                await send({"type": "http.response.body", "body": data, "more_body": more})
            if more:  # the pieces ended without a last one
                self._complete = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not watcher.done() or watcher.cancelled():
                raise  # not the app hanging up: the server is stopping
            task.uncancel()  # the app hung up: the relay records the call as cancelled
            await self.pieces.aclose()  # and closes the upstream stream
        finally:
            watcher.cancel()

    async def _watch(self, receive: Receive, task: asyncio.Task[object]) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if not self._complete:  # uvicorn also says "disconnect" once the body is sent
            task.cancel()
