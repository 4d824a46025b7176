"""No server-side request forgery through webhook_url: refused at submit with 422 naming
the problem, re-checked before every delivery, and redirects never followed."""

from __future__ import annotations

from collections.abc import Callable

from jobs_support import Deployment, Receiver, auth, make_runtime, poll
from loopback import wait_until


def _refusal(d: Deployment, url: str) -> str:
    resp = d.submit(webhook_url=url)
    assert resp.status_code == 422, (url, resp.text)
    (error,) = resp.json()["detail"]
    assert error["loc"] == ["body", "webhook_url"]
    return error["msg"]


def test_hosts_not_allowed_and_ip_spelling_tricks_are_refused_at_submit(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(webhook_allowed_hosts=["localhost"])
    port = d.receiver.port
    assert "169.254.169.254:80 is not in SENTINEL_WEBHOOK_ALLOWED_HOSTS" in _refusal(
        d, "http://169.254.169.254/latest/meta-data/"
    )
    for trick in (f"http://127.1:{port}/hook", f"http://[::ffff:127.0.0.1]:{port}/hook",
                  f"http://2130706433:{port}/hook", f"http://0x7f.0.0.1:{port}/hook",
                  f"http://127.0.0.1:{port}/hook"):  # fmt: skip
        assert f"127.0.0.1:{port} is not in" in _refusal(d, trick)
    assert "credentials" in _refusal(d, f"http://localhost@127.0.0.1:{port}/hook")
    # The allowed name itself works end to end.
    job_id = d.submit(webhook_url=f"http://localhost:{port}/hook").json()["id"]
    assert wait_until(lambda: d.receiver.keys[f"job_{job_id}"] == 1, 15)
    assert len(d.receiver.raw) == 1  # nothing else reached the receiver


def test_webhooks_are_off_by_default_and_need_a_secret(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(webhook_allowed_hosts=[])
    assert "webhooks are disabled" in _refusal(d, d.receiver.url)
    d = deployment_factory(webhook_secret=None)
    assert "SENTINEL_WEBHOOK_SECRET" in _refusal(d, d.receiver.url)
    assert d.receiver.raw == []


def test_redirect_to_a_host_not_allowed_is_not_followed(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    evil = Receiver()
    try:
        # Only the receiver's own port is allowed; the redirect target is another port.
        d.settings = d.settings.model_copy(
            update={"webhook_allowed_hosts": [f"127.0.0.1:{d.receiver.port}"]}
        )
        d.receiver.mode = "redirect"
        d.receiver.redirect_to = evil.url
        job_id = d.submit(webhook_url=d.receiver.url).json()["id"]
        d.start_runtime()
        status = poll(d.http, job_id, d.tokens["proxy"])
        assert status["status"] == "succeeded"

        def webhook() -> dict:
            body = d.http.get(f"/v1/async/jobs/{job_id}", headers=auth(d.tokens["proxy"]))
            return body.json()["webhook"]

        hook = wait_until(lambda: webhook()["status"] == "failed" and webhook(), 10)
        assert hook, webhook()
        assert "redirects are not followed" in hook["last_error"]
        assert evil.raw == []
        assert len(d.receiver.raw) == 1  # refused for good: not retried
    finally:
        evil.stop()


def test_allow_list_is_checked_again_before_delivery(
    deployment_factory: Callable[..., Deployment],
) -> None:
    d = deployment_factory(runtime=False)
    job_id = d.submit(webhook_url=d.receiver.url).json()["id"]  # allowed at submit
    # The operator removes the host before the worker gets to it.
    shrunk = d.settings.model_copy(update={"webhook_allowed_hosts": ["hooks.example.com"]})
    runtime = make_runtime(d.store, shrunk, d.fake, "worker-x").start()
    d.runtimes.append(runtime)
    poll(d.http, job_id, d.tokens["proxy"])

    def hook() -> dict:
        body = d.http.get(f"/v1/async/jobs/{job_id}", headers=auth(d.tokens["proxy"]))
        return body.json()["webhook"]

    assert wait_until(lambda: hook()["status"] == "failed", 10), hook()
    assert "is not in SENTINEL_WEBHOOK_ALLOWED_HOSTS" in hook()["last_error"]
    assert d.receiver.raw == []
