"""Bad configuration and bad input fail clearly before any request is sent; secrets
come from env, a file or a command and never show up in reprs or messages."""

from __future__ import annotations

import ssl
import sys

import pytest

from sentinel import Sentinel
from sentinel.client.secrets import SecretSource, run_secret_command
from sentinel.client.tls import is_loopback, ssl_context, validate_base_url
from sentinel.errors import ConfigurationError, InvalidRequestError

MSG = [{"role": "user", "content": "hello"}]


def test_missing_key_names_every_source(sqlite_store):
    with pytest.raises(ConfigurationError, match="DEEPSEEK_API_KEY_FILE"):
        Sentinel(base_url="http://127.0.0.1:1", store=sqlite_store)


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("api.deepseek.com", "must start with https://"),
        ("ftp://api.deepseek.com", "must start with https://"),
        ("http://api.deepseek.com", "plain http to a non-loopback host"),
        ("https://", "has no host"),
        ("https://exa mple.com", "not a valid URL"),
        ("", "must be a URL"),
    ],
)
def test_bad_base_urls(url, match, sqlite_store):
    with pytest.raises(ConfigurationError, match=match):
        Sentinel(api_key="sk-x", base_url=url, store=sqlite_store)


def test_bad_backup_url_is_named(sqlite_store):
    with pytest.raises(ConfigurationError, match=r"backup_base_urls\[1\]"):
        Sentinel(
            api_key="sk-x",
            base_url="https://api.deepseek.com",
            backup_base_urls=["https://b.example", "http://c.example"],
            store=sqlite_store,
        )


def test_loopback_detection():
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.9.9.9", "[::1]"]))
    # names a resolver may send anywhere get no plain-http exception (issue 15)
    assert not any(map(is_loopback, ["a.localhost", "localhost.localdomain", "localhost."]))
    assert not any(map(is_loopback, ["10.0.0.1", "api.deepseek.com", "localhost.evil.com"]))
    assert validate_base_url("https://api.deepseek.com/") == "https://api.deepseek.com"


def test_tls_context_refuses_old_protocols():
    ctx = ssl_context()
    assert ctx.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"temperature": 2.5}, "temperature must be between 0 and 2"),
        ({"top_p": -0.1}, "top_p must be between 0 and 1"),
        ({"frequency_penalty": 3}, "frequency_penalty must be between -2 and 2"),
        ({"presence_penalty": "high"}, "presence_penalty must be a number"),
        ({"max_tokens": 0}, "max_tokens must be a positive integer"),
        ({"stop": ["x"] * 17}, "at most 16"),
        ({"messages": []}, "messages must not be empty"),
        ({"messages": "hi"}, "messages must be a list"),
        ({"messages": [{"role": "robot", "content": "x"}]}, r"messages\[0\].role"),
        ({"messages": [{"role": "user"}]}, r"messages\[0\].content is required"),
        ({"model": ""}, "model is required"),
        ({"model": None}, "model is required"),
        ({"messages": None}, "messages is required"),
        ({"temprature": 0.3}, "unknown parameter 'temprature'; did you mean 'temperature'"),
        ({"frobnicate": 1}, r"unknown parameter 'frobnicate'; pass it in extra_body"),
        ({"extra_body": ["x"]}, "extra_body must be a dict"),
        ({"metadata": "tenant=acme"}, "metadata must be a dict"),
        ({"tools": {"type": "function"}}, "tools must be a list"),
        ({"stream": "yes"}, "stream must be True or False"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"subject_id": ""}, "subject_id"),
    ],
)
def test_invalid_params_fail_before_sending(harness, kwargs, match):
    client = harness.client()
    args = {"model": "deepseek-v4-flash", "messages": MSG, **kwargs}
    with pytest.raises(InvalidRequestError, match=match):
        client.chat.completions.create(**args)
    assert harness.fake.count() == 0
    harness.assert_one_each(0)


def test_every_documented_param_reaches_the_body(harness):
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {}}}]
    harness.client().chat.completions.create(
        model="deepseek-v4-flash",
        messages=MSG,
        temperature=0.3,
        top_p=0.9,
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        max_tokens=200,
        stop="\n\n",
        response_format={"type": "json_object"},
        tools=tools,
        tool_choice="auto",
        subject_id="user-42",
        metadata={"tenant": "acme"},
        extra_body={"logit_bias": {}},
    )
    body = harness.fake.requests[0].json()
    assert body == {
        "model": "deepseek-v4-flash",
        "messages": MSG,
        "temperature": 0.3,
        "top_p": 0.9,
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "max_tokens": 200,
        "stop": ["\n\n"],
        "response_format": {"type": "json_object"},
        "tools": tools,
        "tool_choice": "auto",
        "logit_bias": {},
    }  # subject_id and metadata stay with Sentinel


def test_key_from_file_and_precedence(harness, tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text(harness.fake.api_key + "\n")
    monkeypatch.setenv("DEEPSEEK_API_KEY_FILE", str(key_file))
    client = harness.client(api_key=None)
    assert client.chat.completions.create(model="deepseek-v4-flash", messages=MSG).content
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-from-env-wins")
    other = harness.client(api_key=None)
    assert other._core.auth.token(None) == "sk-from-env-wins"


def test_key_from_command(harness, monkeypatch):
    cmd = f"{sys.executable} -c \"print('{harness.fake.api_key}')\""
    monkeypatch.setenv("SENTINEL_SECRET_COMMAND", cmd)
    client = harness.client(api_key=None)
    assert client.chat.completions.create(model="deepseek-v4-flash", messages=MSG).content


def test_failing_secret_command_does_not_echo_its_output():
    script = "import sys; print('sk-leak'); sys.stderr.write('sk-leak2'); sys.exit(3)"
    cmd = f'{sys.executable} -c "{script}"'
    with pytest.raises(ConfigurationError) as err:
        run_secret_command(cmd)
    assert "exit code 3" in str(err.value) and "sk-leak" not in str(err.value)


def test_missing_key_file_is_named_not_read(tmp_path):
    src = SecretSource("DEEPSEEK_API_KEY_FILE", path=tmp_path / "nope")
    with pytest.raises(ConfigurationError, match="cannot read DEEPSEEK_API_KEY_FILE"):
        src.read()


def test_key_never_in_reprs_or_errors(harness):
    secret = harness.fake.api_key
    client = harness.client()
    harness.fake.fail(401)
    with pytest.raises(Exception) as err:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    for text in (repr(client), repr(client._core.auth), str(err.value), repr(err.value)):
        assert secret not in text
    harness.flush()
    assert secret not in harness.log.getvalue()
    for span in harness.spans.get_finished_spans():
        assert secret not in str(span.to_json())
    db_bytes = b"".join(p.read_bytes() for p in harness.store.path.parent.glob("calls.db*"))
    assert secret.encode() not in db_bytes


def test_bad_rate_limit_and_fallback_are_configuration_errors(harness):
    with pytest.raises(ConfigurationError, match="rate limit"):
        harness.client(rate_limiter=-5)
    with pytest.raises(ConfigurationError, match="fallback must be"):
        harness.client(fallback=42)
