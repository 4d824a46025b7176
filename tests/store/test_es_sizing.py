"""SENTINEL_ES_SHARDS / SENTINEL_ES_REPLICAS reach the index templates, and a
comma-separated SENTINEL_STORE names several nodes of one cluster. (The three-node
behaviour itself is tests/cluster.)"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sentinel.config import Settings
from sentinel.store import schema
from sentinel.store.base import StoreUnavailable
from sentinel.store.elastic import ElasticStore


def test_default_templates_keep_one_shard_and_auto_expanding_replicas() -> None:
    for name in schema.TEMPLATES:
        settings = schema.load_template(name, "p")["template"]["settings"]
        assert settings["index.number_of_shards"] == 1
        assert settings["index.auto_expand_replicas"] == "0-1"
        assert "index.number_of_replicas" not in settings


def test_sizing_replaces_the_defaults_in_every_template() -> None:
    for name in schema.TEMPLATES:
        body = schema.load_template(name, "p", shards=3, replicas=1)
        settings = body["template"]["settings"]
        assert settings["index.number_of_shards"] == 3
        assert settings["index.number_of_replicas"] == 1
        assert "index.auto_expand_replicas" not in settings
        assert all(p.startswith("p-") for p in body["index_patterns"])


@pytest.mark.parametrize(
    ("var", "value"), [("SENTINEL_ES_SHARDS", "0"), ("SENTINEL_ES_REPLICAS", "-1")]
)
def test_impossible_sizes_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValidationError, match=var.removeprefix("SENTINEL_").lower()):
        Settings()


def test_several_nodes_are_all_used_and_never_shown_with_credentials(tmp_path) -> None:
    closed = "http://user:pw-9c1e@127.0.0.1:1,http://user:pw-9c1e@127.0.0.1:2"
    store = ElasticStore.from_settings(closed, Settings(), dead_letter_path=tmp_path / "dl.jsonl")
    try:
        hosts = {(n.host, n.port) for n in store.client.transport.node_pool.all()}
        assert hosts == {("127.0.0.1", 1), ("127.0.0.1", 2)}
        with pytest.raises(StoreUnavailable) as err:
            store.setup()
        assert "pw-9c1e" not in str(err.value)
        assert "http://127.0.0.1:1,http://127.0.0.1:2" in str(err.value)
    finally:
        store.close()
