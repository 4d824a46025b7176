"""The pure pieces behind secret hygiene: what `scrub_text` removes and what
`redact_url` leaves of a URL (used in errors and span attributes such as the failover
event's `url.full`)."""

from __future__ import annotations

import pytest

from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.scrub import REDACTED, scrub_text, scrub_value
from sentinel.urls import has_userinfo, redact_url


@pytest.mark.parametrize(
    "leak",
    ["sk-0123456789abcdef0123", "sst_0123456789abcdef_" + "A" * 43, "Bearer abc.def-ghi_jkl",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl", "api_key=s3cr3tvalue1"],
)  # fmt: skip
def test_key_shaped_strings_are_scrubbed(leak: str) -> None:
    out = scrub_text(f"upstream said: {leak} (bad)")
    assert REDACTED in out and leak.split()[-1].split("=")[-1] not in out
    assert out.startswith("upstream said: ") and out.endswith(" (bad)")


def test_the_current_credential_is_scrubbed_whatever_its_shape() -> None:
    secret = "plain-words-key-9"  # no pattern would catch it
    body = {"error": {"message": f"key {secret} is invalid", secret: [secret]}}
    assert secret not in repr(scrub_value(body, [secret]))
    assert scrub_text("an ordinary message", [secret]) == "an ordinary message"
    assert scrub_text("short ab", ["ab"]) == "short ab"  # too short to be a secret


def test_urls_lose_userinfo_query_and_fragment() -> None:
    assert redact_url("https://u:p@api.example.com:8443/v1?token=x#f") == (
        "https://api.example.com:8443/v1"
    )
    assert has_userinfo("https://u@h") and has_userinfo("https://u:p@h/")
    assert not has_userinfo("https://h/path@x") and not has_userinfo("https://h")
    assert redact_url("http://[::1") == "<unparsable URL>"


def test_one_app_name_rule() -> None:
    for ok in ("support-bot", "a", "team/app:v2@eu+1", "x" * 128):
        assert validate_app_name(ok) == ok
    for bad in ("", "x" * 129, " lead", "tab\there", "<b>", "名字", "-dash-first", None, 7):
        with pytest.raises(InvalidAppName):
            validate_app_name(bad)
