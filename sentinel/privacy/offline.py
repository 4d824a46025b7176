"""Offline public-suffix data for e-mail validation.

Presidio's e-mail recognizer validates the domain with `tldextract`, whose default
extractor downloads the public suffix list on first use and caches it on disk. A
compliance sidecar must redact the same way on an air-gapped host, so Sentinel uses an
extractor that reads only the snapshot bundled with the package: no HTTP, no cache dir.
"""

from __future__ import annotations

import tldextract

OFFLINE_TLD_EXTRACT = tldextract.TLDExtract(
    cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True
)
