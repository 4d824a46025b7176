"""API tokens for the compliance HTTP API: created once, stored only as a hash.

A token looks like `sst_<id>_<secret>`. The id locates the state entry `token:{id}`
(one point lookup, no scan over every token); the secret is 32 random bytes that are
printed once and never stored. What is stored is HMAC-SHA256(pepper, salt || secret):

* the per-token salt makes equal secrets hash differently (defence in depth; secrets
  are random anyway),
* the pepper is derived from the deployment's HMAC secret (`Settings.subject_secret_bytes()`),
  so a copy of the store alone (a backup, a snapshot) cannot even check a guessed token.

A slow KDF buys nothing here: 256-bit random secrets cannot be brute-forced, and the
hash is checked on every API request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.clock import SYSTEM_CLOCK, Clock
from sentinel.models import TOKEN_ID
from sentinel.store.base import Store

SCOPES = (
    "gdpr:export", "gdpr:erase", "alerts:read", "proxy", "spend:read", "explore", "admin"
)  # fmt: skip
ADMIN = "admin"
TOKEN_PREFIX = "sst_"
STATE_PREFIX = "token:"
_TOKEN_RE = re.compile(rf"sst_({TOKEN_ID})_([A-Za-z0-9_-]{{43}})")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,63}")


MIN_PREFIX = 4  # shortest id prefix `tokens revoke` accepts
_ID_CHARS = re.compile(r"[0-9a-f]{0,16}")


class TokenError(ValueError):
    """Bad input to a token operation (unknown scope, bad name, unknown id)."""


class PrefixTooShort(TokenError):
    """A start of an id too short to name one token on purpose: a usage error (exit 2),
    not "no such token" (exit 1), so a script can tell a typo from a missing token."""


@dataclass(frozen=True)
class TokenInfo:
    """What a verified token says about its holder; never carries the secret."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: str
    revoked_at: str | None = None
    app: str | None = None  # a proxy token bound to one app (`tokens create --app`)

    def allows(self, scope: str) -> bool:
        """`admin` implies every scope."""
        return ADMIN in self.scopes or scope in self.scopes


def _pepper(secret: bytes) -> bytes:
    # Domain-separated from subject keys: the same deployment secret, a different use.
    return hmac.new(secret, b"sentinel-api-token-pepper-v1", hashlib.sha256).digest()


def _digest(pepper: bytes, salt: str, secret: str) -> str:
    return hmac.new(pepper, f"{salt}:{secret}".encode(), hashlib.sha256).hexdigest()


def _info(value: dict[str, Any]) -> TokenInfo:
    return TokenInfo(
        id=value["id"],
        name=value["name"],
        scopes=tuple(value["scopes"]),
        created_at=value["created_at"],
        revoked_at=value.get("revoked_at"),
        app=value.get("app"),
    )


class TokenRegistry:
    """Create, list, revoke and verify tokens held in the store's state entries."""

    def __init__(self, store: Store, secret: bytes, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self._pepper = _pepper(secret)
        self.clock = clock

    def create(
        self, name: str, scopes: list[str] | tuple[str, ...], *, app: str | None = None
    ) -> tuple[str, TokenInfo]:
        """Returns (token, info). The token is shown to the caller once, never again.
        `app` binds the token to that app name (the proxy records its calls under it and
        refuses any other)."""
        if not _NAME_RE.fullmatch(name):
            raise TokenError(
                "token name must be 1-64 characters: letters, digits, space, . _ : @ -"
            )
        if app is not None:
            try:
                validate_app_name(app)
            except InvalidAppName as exc:
                raise TokenError(str(exc)) from None
        unknown = sorted(set(scopes) - set(SCOPES))
        if unknown or not scopes:
            raise TokenError(f"unknown or missing scope(s) {unknown}: use {', '.join(SCOPES)}")
        while True:
            token_id = secrets.token_hex(8)
            secret = secrets.token_urlsafe(32)
            salt = secrets.token_hex(16)
            value = {
                "id": token_id,
                "name": name,
                "scopes": sorted(set(scopes)),
                "salt": salt,
                "hash": _digest(self._pepper, salt, secret),
                "created_at": self.clock.now().isoformat(),
                "revoked_at": None,
                "app": app,
            }
            if self.store.put_state(STATE_PREFIX + token_id, value, None):
                return f"{TOKEN_PREFIX}{token_id}_{secret}", _info(value)

    def list(self) -> list[TokenInfo]:
        return [_info(v) for _, v in self.store.list_state(STATE_PREFIX)]

    def resolve(self, prefix: str) -> str:
        """The id starting with `prefix` (people paste what a narrow table showed);
        TokenError when none or several do, listing the candidates."""
        if prefix and self.store.get_state(STATE_PREFIX + prefix) is not None:
            return prefix
        found = sorted(t.id for t in self.list() if prefix and t.id.startswith(prefix))
        if len(found) == 1 and len(prefix) >= MIN_PREFIX:
            return found[0]
        if not found:
            # echo only what could be an id: a pasted whole token would print its secret
            shown = repr(prefix) if _ID_CHARS.fullmatch(prefix) else "like that"
            raise TokenError(
                f"no token with id {shown}: give the id `sentinel tokens list` shows"
                " (the hex part after sst_, not the whole token)"
            )
        if len(found) == 1:
            raise PrefixTooShort(f"give at least {MIN_PREFIX} characters of the id")
        raise TokenError(
            f"{prefix!r} matches {len(found)} tokens: {', '.join(found)}; give more characters"
        )

    def revoke(self, token_id: str) -> TokenInfo:
        """Mark revoked (kept for the audit trail); idempotent."""
        while True:
            current = self.store.get_state(STATE_PREFIX + token_id) if token_id else None
            if current is None:
                raise TokenError(f"no token with id {token_id!r}")
            value, version = current
            if value.get("revoked_at"):
                return _info(value)
            value = {**value, "revoked_at": self.clock.now().isoformat()}
            if self.store.put_state(STATE_PREFIX + token_id, value, version):
                return _info(value)

    def verify(self, token: str) -> TokenInfo | None:
        """The token's info if it is well-formed, known, unrevoked and its secret matches."""
        m = _TOKEN_RE.fullmatch(token)
        if m is None:
            return None
        token_id, secret = m.groups()
        current = self.store.get_state(STATE_PREFIX + token_id)
        if current is None:
            return None
        value = current[0]
        expected = value.get("hash", "")
        if not hmac.compare_digest(_digest(self._pepper, value.get("salt", ""), secret), expected):
            return None
        if value.get("revoked_at"):
            return None
        return _info(value)


def describe(info: TokenInfo) -> dict[str, Any]:
    """JSON-ready view for `tokens list` (no hash, no salt)."""
    return {
        "id": info.id,
        "name": info.name,
        "scopes": list(info.scopes),
        "created_at": info.created_at,
        "revoked_at": info.revoked_at,
        "app": info.app,
    }
