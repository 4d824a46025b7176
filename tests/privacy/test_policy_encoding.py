"""An operator file saved in a legacy encoding (GBK, Latin-1) must be refused with the
file and the line of the first bad byte, like a bad regex is: the decoder's own message
gave only a byte offset, useless in a file of thousands of terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.config import Settings
from sentinel.doctor import check_redaction_policy
from sentinel.privacy.policy import PolicyError, policy_from_settings


@pytest.mark.parametrize("variable", ["ALLOW", "DENY"])
def test_bad_utf8_names_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    path = tmp_path / "terms.txt"
    path.write_bytes(b"# list\nAnne Lynch\n" + "天穹\n".encode("gbk"))
    for key in ("ALLOW", "DENY", "ENTITIES", "THRESHOLDS"):
        monkeypatch.delenv(f"SENTINEL_REDACT_{key}", raising=False)
    monkeypatch.setenv(f"SENTINEL_REDACT_{variable}", str(path))
    s = Settings()
    with pytest.raises(PolicyError, match=rf"SENTINEL_REDACT_{variable}: {path}:3: not UTF-8"):
        policy_from_settings(s)
    check = check_redaction_policy(s)
    assert check.status == "fail" and f"{path}:3" in check.detail
