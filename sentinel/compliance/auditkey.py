"""What makes the audit log tamper-evident from outside the store: its HMAC key and the
anchored head.

The key comes from SENTINEL_AUDIT_KEY, or the file SENTINEL_AUDIT_KEY_FILE names (which
must exist: a missing file is an error, never a silently created new key, since a new
key would make the whole log look forged), or else `audit.key` in the data directory,
created once with mode 0600. Someone who can write the store but not read the key
cannot forge an entry, re-chain the log or append one with a valid hash.

The head is anchored in `audit.head` next to the key: one line per append,
`{"seq", "hash", "mac"}` written with O_APPEND (make it `chattr +a` for a real
append-only file). Cutting the store's tail, rewinding the store's own records or
wiping the log leaves the anchor pointing past what the store holds.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

from sentinel.config import Settings
from sentinel.errors import ConfigurationError
from sentinel.privatedirs import private_dir

KEY_NAME = "audit.key"
HEAD_NAME = "audit.head"


def _create_private(path: Path, data: bytes) -> bool:
    """Write `data` to a new file of mode 0600 (dir 0700); False if it already exists."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return True


def audit_key_path(settings: Settings) -> Path:
    return settings.audit_key_file or settings.data_dir / KEY_NAME


def audit_key(settings: Settings) -> bytes:
    """The audit HMAC key (see the module docstring for where it comes from)."""
    if settings.audit_key is not None:
        key = settings.audit_key.get_secret_value().strip().encode()
        if len(key) < 16:
            raise ConfigurationError("SENTINEL_AUDIT_KEY must be at least 16 characters")
        return key
    path = audit_key_path(settings)
    if settings.audit_key_file is not None and not path.is_file():
        raise ConfigurationError(
            f"SENTINEL_AUDIT_KEY_FILE {path} does not exist (a new key would make the "
            "audit log unverifiable; restore the file or unset the setting)"
        )
    if not path.exists() and _create_private(path, os.urandom(32).hex().encode()):
        _create_private(path.with_name(HEAD_NAME), b"")  # the anchor is born with the key
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise ConfigurationError(f"audit key file {path} unreadable: {exc.strerror}") from None
    if len(key) < 16:
        raise ConfigurationError(f"audit key file {path} holds fewer than 16 characters")
    return key


def head_path(settings: Settings) -> Path:
    """`audit.head` beside the key file (the data directory when the key is a value)."""
    if settings.audit_key is not None:
        return settings.data_dir / HEAD_NAME
    return audit_key_path(settings).with_name(HEAD_NAME)


class AnchorError(Exception):
    """The head file is missing or damaged; the message says which line."""


class HeadAnchor:
    """The append-only head file (see the module docstring)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key

    def _mac(self, seq: int, hash_: str) -> str:
        return hmac.new(self._key, f"head:{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()

    def exists(self) -> bool:
        """Anything at the path counts: a directory or a symlink put in the head file's
        place must be reported as a damaged anchor, not taken for a log never begun."""
        return os.path.lexists(self.path)

    def create(self) -> None:
        _create_private(self.path, b"")

    def record(self, seq: int, hash_: str) -> None:
        """Append one line; a single write of a short line, so concurrent appenders on
        one machine never interleave within a line."""
        line = json.dumps({"seq": seq, "hash": hash_, "mac": self._mac(seq, hash_)}) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def read(self) -> dict[int, str]:
        """seq -> hash of every anchored entry; AnchorError on a missing or forged line."""
        try:
            if not stat.S_ISREG(os.stat(self.path).st_mode):
                raise AnchorError(f"audit head file {self.path} is not a regular file")
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise AnchorError(f"audit head file {self.path} is missing") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AnchorError(f"audit head file {self.path} unreadable: {exc}") from None
        anchored: dict[int, str] = {}
        for number, line in enumerate(text.splitlines(), 1):
            try:
                item = json.loads(line)
                seq, hash_, mac = int(item["seq"]), str(item["hash"]), str(item["mac"])
            except (ValueError, KeyError, TypeError, OverflowError):  # e.g. seq Infinity
                raise AnchorError(f"audit head file {self.path} line {number} is damaged") from None
            if not hmac.compare_digest(mac, self._mac(seq, hash_)):
                raise AnchorError(f"audit head file {self.path} line {number} is forged")
            anchored[seq] = hash_
        return anchored
