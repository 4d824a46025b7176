"""Exposure probes against the real API and proxy on loopback: exports belong to their
requester, downloads are audited, the open status page holds no job id, foreign Host
headers are refused (DNS rebinding), /docs loads nothing from outside and every HTML
page has a CSP, app names follow one rule and bound tokens keep to their app, and the
SQLite and key files are private."""

from __future__ import annotations

import re
import stat
import subprocess
import time

import httpx
from security_support import Target

from sentinel.config import Settings

SUBJECT = "exposure-subject-41"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _finished_export(api: Target, token: str) -> str:
    created = httpx.post(
        f"{api.url}/v1/gdpr/exports", json={"subject_id": SUBJECT}, headers=_bearer(token)
    )
    assert created.status_code == 202, created.text
    export_id = created.json()["id"]
    deadline = time.monotonic() + 20
    while True:
        status = httpx.get(f"{api.url}/v1/gdpr/exports/{export_id}", headers=_bearer(token))
        if status.json().get("status") == "completed":
            return export_id
        assert time.monotonic() < deadline, status.text
        time.sleep(0.1)


def test_an_export_belongs_to_the_token_that_asked(api: Target) -> None:
    officer_a, a_id = api.token("officer-a", "gdpr:export")
    officer_b, _ = api.token("officer-b", "gdpr:export")
    admin, _ = api.token("admin", "admin")
    export_id = _finished_export(api, officer_a)
    for path in (f"/v1/gdpr/exports/{export_id}", f"/v1/gdpr/exports/{export_id}/download"):
        other = httpx.get(api.url + path, headers=_bearer(officer_b))
        assert other.status_code == 404 and SUBJECT not in other.text  # as if unknown
    own = httpx.get(f"{api.url}/v1/gdpr/exports/{export_id}/download", headers=_bearer(officer_a))
    assert own.status_code == 200 and SUBJECT in own.text
    by_admin = httpx.get(f"{api.url}/v1/gdpr/exports/{export_id}/download", headers=_bearer(admin))
    assert by_admin.status_code == 200
    downloads = [e for e in api.compliance.audit.entries() if e.action == "export.downloaded"]
    assert [(e.actor, e.details["job_id"]) for e in downloads] == [
        ("officer-a", export_id),
        ("admin", export_id),
    ]
    assert downloads[0].details["token_id"] == a_id
    assert downloads[0].details["bytes"] == len(own.content)
    assert SUBJECT not in str(downloads)  # the subject only as its HMAC key
    page = httpx.get(f"{api.url}/v1/status")
    assert page.status_code == 200 and export_id not in page.text
    assert page.json()["gdpr"][0]["kind"] == "export"


def test_a_foreign_host_header_is_refused(api: Target) -> None:
    port = api.settings.api_port
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io", "localhost.evil"):
        answer = httpx.get(f"{api.url}/v1/status", headers={"Host": host})
        assert answer.status_code == 421, host
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
        assert httpx.get(f"{api.url}/v1/status", headers={"Host": host}).status_code == 200
    probe = httpx.get(f"{api.url}/healthz", headers={"Host": "10.1.2.3:8787"})  # kubelet
    assert probe.status_code == 200


def test_docs_are_served_from_packaged_assets_with_a_csp(api: Target) -> None:
    for path in ("/docs", "/redoc", "/"):
        page = httpx.get(api.url + path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert not re.search(r"(src|href)=\"(https?:)?//", page.text), page.text  # no CDN
        for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", page.text):
            assert httpx.get(api.url + asset).status_code == 200, asset
    swagger = httpx.get(f"{api.url}/docs/assets/swagger-ui-bundle.js")
    assert len(swagger.content) > 100_000 and b"SwaggerUIBundle" in swagger.content
    assert httpx.get(f"{api.url}/docs/assets/..%2F..%2Fconfig.py").status_code == 404


def test_app_names_follow_one_rule_and_bound_tokens_keep_to_their_app(proxy: Target) -> None:
    free, _ = proxy.token("free", "proxy")
    bound, _ = proxy.token("bound", "proxy", app="billing")
    chat = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "hi"}]}
    url = f"{proxy.url}/v1/chat/completions"
    huge = httpx.post(url, json=chat, headers={**_bearer(free), "X-Sentinel-App": "a" * 20_000})
    assert huge.status_code in (400, 431) and "a" * 200 not in huge.text
    markup = httpx.post(url, json=chat, headers={**_bearer(free), "X-Sentinel-App": "<b>x</b>"})
    assert markup.status_code == 400 and "<b>" not in markup.text
    other = httpx.post(url, json=chat, headers={**_bearer(bound), "X-Sentinel-App": "support"})
    assert other.status_code == 403
    own = httpx.post(url, json=chat, headers=_bearer(bound))
    assert own.status_code == 200, own.text
    request_id = own.headers["x-request-id"]
    deadline = time.monotonic() + 10
    while (record := proxy.store.get_call(request_id)) is None:
        assert time.monotonic() < deadline, "the call was not stored"
        time.sleep(0.05)
    assert record.app == "billing"


def test_store_and_key_files_are_private(api: Target) -> None:
    token, _ = api.token("writer", "gdpr:export")
    _finished_export(api, token)  # writes the db, its WAL, the audit key and head
    db = api.store.path
    assert db is not None
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    data = Settings().data_dir
    files += [data / "audit.key", data / "audit.head"]
    for path in files:
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_an_unwritable_audit_anchor_is_a_503_not_a_500(api: Target) -> None:
    """A real fault (chattr +i on the head file): audited operations wait, and the
    entry the store took but the anchor could not is reported by verify."""
    token, _ = api.token("officer", "gdpr:export")
    head = Settings().data_dir / "audit.head"
    _finished_export(api, token)  # the anchor exists and holds entries
    subprocess.run(["chattr", "+i", str(head)], check=True)
    try:
        refused = httpx.post(
            f"{api.url}/v1/gdpr/exports", json={"subject_id": SUBJECT}, headers=_bearer(token)
        )
        assert refused.status_code == 503 and "Retry-After" in refused.headers, refused.text
    finally:
        subprocess.run(["chattr", "-i", str(head)], check=True)
    result = api.compliance.audit.verify()
    assert not result.ok and "beyond the anchored head" in (result.reason or "")
