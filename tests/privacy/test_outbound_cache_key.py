"""The response cache's digest of an outbound-redacted request's masked values is an HMAC
under a key derived from the deployment's subject secret (issue 19, outside testers):
a plain SHA-256 of "<EMAIL_ADDRESS_1> = alice@..." could be recomputed from a guess, so
the store's cache keys told whether two requests held the same person. Real client,
real HTTP over loopback to FakeDeepSeek, real SQLite store."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sentinel.client.cache import cache_key, masked_digest, masked_values_key
from sentinel.config import Settings

MODEL = "deepseek-v4-flash"
A, B = "alice.moreau@example.com", "bruno.keller@example.org"


def _ask(client: Any, mail: str) -> Any:
    return client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": f"my mail is {mail}, is it valid?"}],
        temperature=0,
        redact_outbound=True,
    )


def _keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT key FROM cache")}


def _plain_sha256(masked: dict[str, str]) -> str:
    canonical = json.dumps(sorted(masked.items()), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_the_cache_key_cannot_be_checked_against_a_guessed_value(
    harness: Any, redactor: Any
) -> None:
    client = harness.client(settings=Settings(cache=True, subject_secret="deployment-one"))
    _ask(client, A)
    client.flush()
    harness.flush()
    (stored,) = _keys(harness.store.path)
    body = json.loads(harness.fake.requests[-1].body)
    request = client._core.cache  # the running cache: its app and thinking mode
    assert request is not None
    masked = {"<EMAIL_ADDRESS_1>": A}

    def key_for(digest: str) -> set[str]:
        """The key for `digest`, for each thinking mode the body may have run in."""
        return {
            cache_key(request.app, None, body, thinking, digest)
            for thinking in (None, "enabled", "disabled")
        }

    # a guess of the value, hashed as before, no longer finds the entry
    assert stored not in key_for(_plain_sha256(masked))
    # with the deployment's secret it does: the key is the keyed digest's
    keyed = masked_digest(masked, masked_values_key(b"deployment-one"))
    assert stored in key_for(keyed)
    assert stored not in key_for(masked_digest(masked, masked_values_key(b"deployment-two")))


def test_two_deployments_sharing_a_store_do_not_share_masked_entries(
    harness: Any, redactor: Any
) -> None:
    one = harness.client(settings=Settings(cache=True, subject_secret="deployment-one"))
    _ask(one, A)
    one.flush()
    again = harness.client(settings=Settings(cache=True, subject_secret="deployment-one"))
    _ask(again, A)
    assert harness.fake.count() == 1  # same secret: a hit
    other = harness.client(settings=Settings(cache=True, subject_secret="deployment-two"))
    answer = _ask(other, A)
    assert harness.fake.count() == 2  # another secret: another key, a miss
    assert answer.content is not None and A in answer.content
    _ask(other, B)
    assert harness.fake.count() == 3  # and B is still not A


def test_with_no_secret_set_the_data_dir_key_is_used_and_kept(
    harness: Any, redactor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SENTINEL_SUBJECT_KEY")  # (the data dir is this test's own)
    first = harness.client(settings=Settings(cache=True))
    _ask(first, A)
    first.flush()
    key_file = Settings().subject_key_path
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0  # made once, private
    second = harness.client(settings=Settings(cache=True))  # a restart on this machine
    _ask(second, A)
    assert harness.fake.count() == 1  # the same key file: the entry is found again
