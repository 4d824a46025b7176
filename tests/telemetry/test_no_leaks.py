"""No secret anywhere, and the raw subject id only in its Conversation.

Every kind of call (success, retried, failed, rejected by auth, streamed, abandoned and
truncated streams, OAuth-authenticated) runs with distinctive secrets; then everything
Sentinel produced is scanned byte for byte: ECS lines, stdout/stderr, every Python log
record down to DEBUG, span attributes and events, metric points, exception texts, call
records and feedback in the store, and the SQLite files themselves for the secrets.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from sentinel.config import Settings
from sentinel.errors import AuthenticationError, BadRequestError, SentinelError
from sentinel.testing import Fault

API_KEY = "sk-LEAKCHECK-5f0c2a9e7d"
CLIENT_SECRET = "oauth-LEAKCHECK-c41d77"
SUBJECT = "subject-LEAKCHECK-2b8e"
MSG = [{"role": "user", "content": "hello"}]


def test_nothing_leaks_from_any_kind_of_call(harness, fake_deepseek_factory, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    fake = fake_deepseek_factory(api_key=API_KEY, oauth_client_secret=CLIENT_SECRET)
    harness.fake = fake
    client = harness.client(api_key=API_KEY)
    oauth = harness.client(
        api_key=None,
        settings=Settings(
            oauth_token_url=fake.token_url,
            oauth_client_id=fake.oauth_client_id,
            oauth_client_secret=SecretStr(CLIENT_SECRET),
        ),
    )
    errors: list[BaseException] = []

    def call(c, **kw):
        return c.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, subject_id=SUBJECT, **kw
        )

    ids = [call(client).request_id]
    fake.script(Fault.rate_limited(retry_after=1), 200)
    ids.append(call(client).request_id)
    fake.fail(Fault.error(400, message="bad request"))
    with pytest.raises(BadRequestError) as bad:
        call(client)
    errors.append(bad.value)
    with pytest.raises(AuthenticationError) as denied:
        call(harness.client(api_key="sk-LEAKCHECK-wrong-key"))
    errors.append(denied.value)
    stream = call(client, stream=True)
    list(stream)
    abandoned = call(client, stream=True)
    next(abandoned)
    abandoned.close()
    fake.fail(Fault.truncate(after_chunks=1))
    with pytest.raises(SentinelError) as cut:
        list(call(client, stream=True))
    errors.append(cut.value)
    ids += [stream.request_id, abandoned.request_id, call(oauth).request_id]
    fake.revoke_tokens()  # 401, forced refresh, retry
    ids.append(call(oauth).request_id)
    client.feedback(ids[0], score=0.7, comment="fine")
    harness.assert_one_each(9)

    # the secrets were live (so not finding them below means something)
    assert fake.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert CLIENT_SECRET in {r.body.decode() for r in fake.requests if r.endpoint == "token"}.pop()
    assert caplog.records  # httpcore/sentinel debug logging was captured

    out = capsys.readouterr()
    spans = harness.spans.get_finished_spans()
    texts = {
        "ecs lines": harness.log.getvalue(),
        "stdout/stderr": out.out + out.err,
        "python logs": "\n".join(
            f"{r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records
        ),
        "spans": "".join(s.to_json() for s in spans),
        "metrics": harness.metrics.get_metrics_data().to_json(),
        "errors": "".join(f"{e} {e!r} {e.body!r} {e.__cause__!r}" for e in errors),
        "reprs": "".join(repr(c) + repr(c._core.auth) for c in (client, oauth)),
        "call records": "".join(harness.store.get_call(i).model_dump_json() for i in ids),
        "feedback": str(
            list(harness.store.iter_subject(None, harness.calls()[0].subject_key, ["feedback"]))
        ),
    }
    for where, text in texts.items():
        for secret in (API_KEY, CLIENT_SECRET, "sk-LEAKCHECK-wrong-key", SUBJECT):
            assert secret not in text, f"{secret} leaked into {where}"
    db = b"".join(p.read_bytes() for p in harness.store.path.parent.glob("calls.db*"))
    for secret in (API_KEY, CLIENT_SECRET, "sk-LEAKCHECK-wrong-key"):
        assert secret.encode() not in db
    # the subject is kept where it must be (its conversation), as the HMAC elsewhere
    assert harness.store.get_conversation(ids[0]).subject_id == SUBJECT
    assert harness.calls()[0].subject_key in texts["ecs lines"]
