"""The audit bundle (`sentinel audit export -o FILE`): the whole log, its anchored head
and an HMAC signature under the audit key, so an auditor holding the key checks it
offline (`sentinel audit verify-bundle FILE`) without access to the store.

Document (schema `sentinel.audit.bundle`, version 1)::

    {"schema": ..., "schema_version": 1, "generated_at": "...", "key_id": "<16 hex>",
     "head": {"seq": N, "hash": "..."}, "entries": [{...AuditEntry...}, ...],
     "signature": "<HMAC-SHA256 of the canonical JSON of everything else>"}

`key_id` names the key (a hash of it, not the key), so the auditor knows which to use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sentinel.compliance.audit import Verification, verify_chain
from sentinel.models import AuditEntry

SCHEMA = "sentinel.audit.bundle"
SCHEMA_VERSION = 1


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"sentinel-audit-key-id:" + key).hexdigest()[:16]


def _signature(doc: dict[str, Any], key: bytes) -> str:
    body = {k: v for k, v in doc.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def build_bundle(entries: Iterable[AuditEntry], key: bytes, now: datetime) -> dict[str, Any]:
    items = [e.model_dump(mode="json") for e in entries]
    head = {"seq": items[-1]["seq"], "hash": items[-1]["hash"]} if items else None
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "key_id": key_id(key),
        "head": head,
        "entries": items,
    }
    doc["signature"] = _signature(doc, key)
    return doc


def verify_bundle(doc: Any, key: bytes) -> Verification:
    """The bundle's signature, then its chain against its own head."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        return Verification(False, 0, None, f"not a {SCHEMA} document")
    if doc.get("key_id") != key_id(key):
        return Verification(False, 0, None, "signed with another key (key_id differs)")
    if not hmac.compare_digest(str(doc.get("signature", "")), _signature(doc, key)):
        return Verification(False, 0, None, "signature does not match: the bundle was altered")
    head = doc.get("head")
    anchored = {int(head["seq"]): str(head["hash"])} if isinstance(head, dict) else {}
    entries = (AuditEntry.model_validate(e) for e in doc.get("entries", []))
    return verify_chain(entries, key, anchored)
