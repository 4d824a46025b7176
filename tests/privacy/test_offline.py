"""No network at run time: tldextract must use its bundled suffix list.

Runs in a fresh interpreter with an audit hook that records (and blocks) every socket
connect / DNS lookup, with an empty HOME so no earlier tldextract cache can help.
A control case proves the hook sees what a default extractor would attempt.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, sys
attempts = []
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        attempts.append(event)
        raise OSError("network blocked by test")
sys.addaudithook(hook)

from sentinel.privacy.recognizers.email import OfflineEmailRecognizer
rec = OfflineEmailRecognizer("en")
found = rec.analyze("write to li.wei@mail.example.co.uk today", ["EMAIL_ADDRESS"])
ours = {"attempts": list(attempts), "scores": [r.score for r in found]}

attempts.clear()
import tldextract
tldextract.TLDExtract(cache_dir=None)("a.example.com")  # the default: tries the PSL URL
print(json.dumps({"ours": ours, "default_attempts": len(attempts)}))
"""


def test_email_validation_never_touches_the_network(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ours"] == {"attempts": [], "scores": [1.0]}  # validated, offline
    assert result["default_attempts"] > 0  # the hook would have caught a download
