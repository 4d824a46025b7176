"""API tokens: printed once, stored only as a salted, peppered hash; scopes; revocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.compliance.service import Compliance
from sentinel.compliance.tokens import TokenError, TokenRegistry
from sentinel.store.sqlite import SQLiteStore


def test_created_token_verifies_with_its_scopes(compliance: Compliance) -> None:
    token, info = compliance.tokens.create("officer", ["gdpr:export", "gdpr:erase"])
    verified = compliance.tokens.verify(token)
    assert verified == info
    assert verified.allows("gdpr:export") and verified.allows("gdpr:erase")
    assert not verified.allows("alerts:read")


def test_admin_implies_every_scope(compliance: Compliance) -> None:
    token, _ = compliance.tokens.create("root", ["admin"])
    info = compliance.tokens.verify(token)
    assert info is not None
    assert all(info.allows(s) for s in ("gdpr:export", "gdpr:erase", "alerts:read"))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "x",
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.replace("sst_", "sso_"),
        lambda t: "",
        lambda t: "sst_" + "0" * 16 + "_" + "a" * 43,
    ],
)
def test_wrong_tokens_do_not_verify(compliance: Compliance, mangle) -> None:
    token, _ = compliance.tokens.create("officer", ["gdpr:export"])
    assert compliance.tokens.verify(mangle(token)) is None


def test_revoked_token_stops_verifying_and_revoke_is_idempotent(compliance: Compliance) -> None:
    token, info = compliance.tokens.create("officer", ["gdpr:export"])
    revoked = compliance.tokens.revoke(info.id)
    assert revoked.revoked_at is not None
    assert compliance.tokens.verify(token) is None
    assert compliance.tokens.revoke(info.id).revoked_at == revoked.revoked_at
    assert [t.revoked_at for t in compliance.tokens.list()] == [revoked.revoked_at]
    with pytest.raises(TokenError):
        compliance.tokens.revoke("0123456789abcdef")


@pytest.mark.parametrize(("name", "scopes"), [("ok", ["gdpr:everything"]), ("ok", []),
                                               ("", ["admin"]), ("x" * 65, ["admin"]),
                                               ("<script>", ["admin"])])  # fmt: skip
def test_bad_names_and_scopes_are_refused(compliance: Compliance, name, scopes) -> None:
    with pytest.raises(TokenError):
        compliance.tokens.create(name, scopes)


def test_secret_is_never_stored(compliance: Compliance, sqlite_store: SQLiteStore) -> None:
    token, info = compliance.tokens.create("officer", ["gdpr:export"])
    secret = token.split("_", 2)[2]  # sst_<id>_<secret>; the secret itself may contain "_"
    state = sqlite_store.get_state(f"token:{info.id}")
    assert state is not None
    assert secret not in repr(state)
    sqlite_store.reclaim()  # checkpoint so every byte is in the database file
    assert sqlite_store.path is not None
    for path in sqlite_store.path.parent.glob("sentinel.db*"):
        assert secret.encode() not in path.read_bytes()


def test_pepper_binds_hashes_to_the_deployment_secret(
    compliance: Compliance, sqlite_store: SQLiteStore, tmp_path: Path
) -> None:
    """A copy of the store without the deployment secret cannot verify tokens."""
    token, _ = compliance.tokens.create("officer", ["gdpr:export"])
    assert TokenRegistry(sqlite_store, b"another-deployment").verify(token) is None
