"""The proxy's services (`sentinel.web.state`): the client every call goes through and
the tokens verified in the last few seconds."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette

from sentinel.client.async_ import AsyncSentinel
from sentinel.web.state import WebState, state_of
from sentinel.web.tokens import VerifiedTokens


@dataclass(kw_only=True)
class ProxyState(WebState):
    client: AsyncSentinel
    verified: VerifiedTokens


def proxy_state(app: Starlette) -> ProxyState:
    return state_of(app, ProxyState)
