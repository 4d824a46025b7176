"""The services an HTTP app holds, as one typed object set once when the app is built.

Starlette's `app.state` takes any attribute, so a misspelt or missing service is only
found when a request reaches it; each app instead stores one dataclass under
`app.state.services` and reads it through `web_state` (or its own app's subclass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from starlette.applications import Starlette

from sentinel.clock import Clock
from sentinel.compliance.tokens import TokenRegistry
from sentinel.config import Settings
from sentinel.store.base import Store


@dataclass(kw_only=True)
class WebState:
    """What every app has: the store, its settings and clock, and the token registry
    its callers' bearer tokens are verified against."""

    store: Store
    settings: Settings
    clock: Clock
    tokens: TokenRegistry


S = TypeVar("S", bound=WebState)


def install_state(app: Starlette, state: S) -> S:
    app.state.services = state
    return state


def state_of(app: Starlette, kind: type[S]) -> S:
    """The app's services, checked to be what the caller expects (a proxy's state is
    not an API's)."""
    state = app.state.services
    if not isinstance(state, kind):
        raise TypeError(f"app holds {type(state).__name__}, not {kind.__name__}")
    return state


def web_state(app: Starlette) -> WebState:
    return state_of(app, WebState)
