"""An async job asks for outbound redaction as a proxied call does (`"redact_outbound":
true` in the body): the e-mail address never reaches the upstream, the poll gets it
back, and where the server masks every request a job cannot turn that off."""

from __future__ import annotations

from collections.abc import Callable

from jobs_support import Deployment, poll

EMAIL = "alice.smith@example.com"
MESSAGES = [{"role": "user", "content": f"mail me at {EMAIL}"}]


def test_a_job_asks_for_outbound_redaction(deployment: Deployment) -> None:
    resp = deployment.submit(messages=MESSAGES, redact_outbound=True)
    assert resp.status_code == 202, resp.text
    body = poll(deployment.http, resp.json()["id"], deployment.tokens["proxy"])
    assert body["status"] == "succeeded", body
    sent = deployment.fake.requests[-1].body
    assert EMAIL.encode() not in sent and b"redact_outbound" not in sent
    assert body["result"]["choices"][0]["message"]["content"] == f"Echo: mail me at {EMAIL}"


def test_a_bad_flag_is_422_and_an_enforced_one_cannot_be_turned_off(
    deployment_factory: Callable[..., Deployment],
) -> None:
    deployment = deployment_factory(runtime=False, redact_outbound=True)
    bad = deployment.submit(messages=MESSAGES, redact_outbound="yes")
    assert bad.status_code == 422 and "redact_outbound" in bad.text, bad.text
    off = deployment.submit(messages=MESSAGES, redact_outbound=False)
    assert off.status_code == 422 and "cannot turn that off" in off.text, off.text
