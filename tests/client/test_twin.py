"""The two clients are one contract: the same constructor (declared once, by keyword),
and what differs is only how they do I/O."""

from __future__ import annotations

import inspect

import pytest

from sentinel.client import AsyncSentinel, Sentinel
from sentinel.client.core import ClientOptions


def test_client_options_are_by_name_only() -> None:
    with pytest.raises(TypeError):
        ClientOptions("sk-key")  # type: ignore[misc]
    assert ClientOptions(api_key="sk-key", timeout=5.0).timeout == 5.0


def test_both_clients_take_the_same_keywords() -> None:
    sync = inspect.signature(Sentinel)
    aio = inspect.signature(AsyncSentinel)
    assert list(sync.parameters) == list(aio.parameters)
    assert len(sync.parameters) == 19  # api_key positional, the rest keyword-only
    kinds = {p.kind for name, p in sync.parameters.items() if name != "api_key"}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}
    fields = set(ClientOptions.__dataclass_fields__)
    assert set(sync.parameters) - {"transport"} == fields  # every option reaches the core


def test_repr_names_the_client_and_its_endpoint(harness) -> None:
    assert repr(harness.client(app="bot")).startswith("Sentinel(app='bot', base_url='http://")
    assert repr(harness.aclient(app="bot")).startswith("AsyncSentinel(app='bot'")
