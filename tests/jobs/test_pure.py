"""The pure pieces, exactly: retry schedule (injected clock), host canonicalization and
the allow-list, and the signature recipe."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sentinel.clock import FakeClock
from sentinel.jobs.allowlist import AllowList, WebhookNotAllowed, canonical_host
from sentinel.jobs.schedule import DeliverySchedule, lapsed
from sentinel.jobs.signing import signature, signed_headers, verify

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_schedule_doubles_caps_and_gives_up_at_max_age() -> None:
    s = DeliverySchedule(timedelta(seconds=1), timedelta(seconds=30), timedelta(minutes=5),
                         jitter=False)  # fmt: skip
    assert [s.delay(n).total_seconds() for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    # Drive it with a fake clock the way the worker does: fail, wait, fail...
    clock = FakeClock(T0)
    attempts, first = 0, clock.now()
    times = []
    while True:
        attempts += 1
        times.append((clock.now() - T0).total_seconds())
        due = s.next_attempt(attempts, first, clock.now())
        if due is None:
            break
        clock.set(due)
    assert times[:7] == [0, 1, 3, 7, 15, 31, 61]
    assert times[-1] <= 300 < times[-1] + 30  # stops once the next try is past max age
    assert s.delay(10_000) == timedelta(seconds=30)  # no overflow after many failures


def test_jitter_stays_within_a_quarter_and_under_the_cap() -> None:
    s = DeliverySchedule(timedelta(seconds=2), timedelta(seconds=10), rng=random.Random(7))
    for n in range(1, 20):
        base = min(2 * 2 ** (n - 1), 10)
        assert base <= s.delay(n).total_seconds() <= min(base * 1.25, 10)


def test_lease_lapses_at_expiry() -> None:
    lease = {"holder": "a", "expires_at": (T0 + timedelta(seconds=5)).isoformat()}
    assert not lapsed(lease, T0 + timedelta(seconds=4.9))
    assert lapsed(lease, T0 + timedelta(seconds=5))
    assert lapsed(None, T0)


@pytest.mark.parametrize(
    "spelling",
    ["127.0.0.1", "127.1", "0x7f.1", "0177.0.0.1", "2130706433", "[::ffff:127.0.0.1]",
     "[::ffff:7f00:1]", "[::127.0.0.1]", "127.0.0.1."],
)  # fmt: skip
def test_every_spelling_of_loopback_is_one_host(spelling: str) -> None:
    assert canonical_host(spelling) == "127.0.0.1"


def test_allow_list_matches_canonical_hosts_ports_and_subdomains() -> None:
    allow = AllowList(["hooks.example.com", "*.apps.example.org", "10.0.0.5:8443"])
    for ok in ("https://hooks.example.com/x", "https://HOOKS.example.com/x",
               "https://a.apps.example.org/x", "https://10.0.0.5:8443/x"):  # fmt: skip
        assert allow.check(ok) == ok
    # An allowed host in another spelling is refused: delivery would resolve the text
    # itself (a trailing-dot name goes to DNS), not the address this check saw (issue 15).
    for other in ("https://HOOKS.example.com./x", "https://[::ffff:10.0.0.5]:8443/x",
                  "http://0xa.0.0.5:8443/", "https://10.0.0.5.:8443/x"):  # fmt: skip
        with pytest.raises(WebhookNotAllowed, match="must be written as"):
            allow.check(other)
    refused = {
        "https://example.com/x": "example.com:443 is not in",
        "https://apps.example.org/x": "apps.example.org:443 is not in",
        "https://10.0.0.5/x": "10.0.0.5:443 is not in",
        "http://127.1/": "127.0.0.1:80 is not in",
        "http://[::ffff:127.0.0.1]/": "127.0.0.1:80 is not in",
        "http://169.254.169.254/latest/meta-data": "169.254.169.254:80 is not in",
        "https://hooks.example.com@127.0.0.1/": "credentials",
        "https://hooks.example.com\\@127.0.0.1/": "credentials",
        "file:///etc/passwd": "http:// or https://",
        "gopher://hooks.example.com/": "http:// or https://",
        "https:///x": "no host",
        "https://hooks.example.com:99999/": "invalid port",
        "https://" + "a" * 3000: "longer than",
    }
    for url, reason in refused.items():
        with pytest.raises(WebhookNotAllowed, match=reason.replace(".", r"\.")):
            allow.check(url)
    with pytest.raises(WebhookNotAllowed, match="webhooks are disabled"):
        AllowList([]).check("https://hooks.example.com/")
    with pytest.raises(ValueError, match="not a host"):
        AllowList(["https://hooks.example.com/path"])


def test_signature_binds_timestamp_body_and_secret() -> None:
    body = b'{"id":"x"}'
    headers = signed_headers(b"s3cret", 1_767_225_600, body, "job_x")
    assert headers["Idempotency-Key"] == "job_x"
    assert verify(b"s3cret", headers, body, now=1_767_225_600 + 10)
    assert not verify(b"s3cret", headers, body + b" ", now=1_767_225_600)
    assert not verify(b"other", headers, body, now=1_767_225_600)
    assert not verify(b"s3cret", headers, body, now=1_767_225_600 + 301)  # replayed late
    replay = {**headers, "X-Sentinel-Timestamp": str(1_767_225_600 + 600)}  # fresh stamp
    assert not verify(b"s3cret", replay, body, now=1_767_225_600 + 600)
    assert signature(b"s3cret", 1, b"") != signature(b"s3cret", 2, b"")
