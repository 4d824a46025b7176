"""Operator controls: SENTINEL_REDACT_ALLOW / _DENY files, _ENTITIES, _THRESHOLDS,
checked at load time with errors naming file and line, and shown by `sentinel doctor`;
and the gates read off the registry (issue 16)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from presidio_analyzer import Pattern as PresidioPattern
from presidio_analyzer import PatternRecognizer, RecognizerRegistry

from sentinel.config import Settings
from sentinel.doctor import check_redaction_policy
from sentinel.privacy.policy import ENTITY_TYPES, Policy, PolicyError, policy_from_settings
from sentinel.privacy.recognizers import (
    LANGUAGES,
    MissingGateError,
    build_registry,
    gated,
    gates,
)
from sentinel.privacy.redactor import Redactor


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key in ("ALLOW", "DENY", "ENTITIES", "THRESHOLDS", "OUTBOUND"):
        monkeypatch.delenv(f"SENTINEL_REDACT_{key}", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(f"SENTINEL_REDACT_{key}", value)
    return Settings()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("policy")
    allow = d / "allow.txt"
    allow.write_text("# products\nAnne Lynch\n/Build-\\d+/\n", encoding="utf-8")
    deny = d / "deny.txt"
    deny.write_text(
        "# code names\nPROJECT: Apollo\n天穹\nCUSTOMER_ID: /CUST-\\d{6}/\n", encoding="utf-8"
    )
    return {"allow": allow, "deny": deny}


@pytest.fixture(scope="module")
def custom(files: dict[str, Path]) -> Redactor:
    env = Settings(
        redact_allow=files["allow"],
        redact_deny=files["deny"],
        redact_thresholds="LOCATION=0.95",
    )
    return Redactor(policy=policy_from_settings(env))


def test_allow_file_terms_and_patterns(custom: Redactor) -> None:
    out = custom.redact("Anne Lynch ran Build-42 with brandon.gaines@example.com").text
    assert out.startswith("Anne Lynch ran Build-42 with <EMAIL_ADDRESS_1>")


def test_deny_file_terms_patterns_and_default_type(custom: Redactor) -> None:
    out = custom.redact("Apollo ships to CUST-123456; 天穹 too").text
    assert out == "<PROJECT_1> ships to <CUSTOMER_ID_1>; <DENY_LIST_1> too"


def test_threshold_per_type(custom: Redactor, redactor: Redactor) -> None:
    text = "寄到上海市浦东新区世纪大道100号"  # the address pattern scores 0.7
    assert "LOCATION" in redactor.redact(text).text
    assert custom.redact(text).text == text


def test_entities_choose_types(monkeypatch: pytest.MonkeyPatch) -> None:
    policy = policy_from_settings(settings(monkeypatch, ENTITIES="EMAIL_ADDRESS"))
    redactor = Redactor(policy=policy)
    out = redactor.redact("Brandon Gaines, brandon@example.com, 13812345678").text
    assert out == "Brandon Gaines, <EMAIL_ADDRESS_1>, 13812345678"


@pytest.mark.parametrize(
    ("env", "content", "message"),
    [
        ({"DENY": "{file}"}, "ok\nPERSON: /[unclosed/\n", r"deny\.txt:2: invalid regex"),
        ({"ALLOW": "{file}"}, "fine\n\n/(a|)/\n", r"deny\.txt:3: /\(a\|\)/ matches empty text"),
        ({"ENTITIES": "EMAIL_ADDRESS,PERSN"}, "", r"SENTINEL_REDACT_ENTITIES: unknown.*PERSN"),
        ({"THRESHOLDS": "PERSON=high"}, "", r"SENTINEL_REDACT_THRESHOLDS: 'PERSON=high'"),
        ({"THRESHOLDS": "NAME=0.5"}, "", r"unknown type 'NAME'"),
    ],
)
def test_bad_settings_name_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict, content: str, message: str
) -> None:
    path = tmp_path / "deny.txt"
    path.write_text(content, encoding="utf-8")
    s = settings(monkeypatch, **{k: v.format(file=path) for k, v in env.items()})
    with pytest.raises(PolicyError, match=message):
        policy_from_settings(s)
    check = check_redaction_policy(s)
    assert check.status == "fail"
    assert re.search(message, check.detail)


def test_missing_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = settings(monkeypatch, ALLOW=str(tmp_path / "nope.txt"))
    with pytest.raises(PolicyError, match=r"SENTINEL_REDACT_ALLOW: file .*nope\.txt does not"):
        policy_from_settings(s)


def test_doctor_shows_the_policy_without_values(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path]
) -> None:
    s = settings(
        monkeypatch,
        ALLOW=str(files["allow"]),
        DENY=str(files["deny"]),
        ENTITIES="PERSON,EMAIL_ADDRESS",
        THRESHOLDS="PERSON=0.6",
    )
    check = check_redaction_policy(s)
    assert check.status == "ok"
    assert "types: EMAIL_ADDRESS, PERSON" in check.detail
    assert "deny: 2 terms, 1 patterns" in check.detail
    assert "PERSON>=0.6" in check.detail
    assert "Apollo" not in check.detail and "天穹" not in check.detail


def test_every_registered_type_has_a_gate() -> None:
    """Issue 16: the gates come from the registry, so every type it holds is asked for."""
    registry = build_registry({"PROJECT": ["Apollo"]})
    for language in LANGUAGES:
        by_entity = gates(registry, language)
        supported = {
            e
            for r in registry.recognizers
            if r.supported_language == language and r.name != "SpacyRecognizer"
            for e in r.supported_entities
        }
        assert supported == set(by_entity), language
    assert set(gates(registry)) - {"PROJECT"} == ENTITY_TYPES


def test_a_recognizer_without_gate_is_refused() -> None:
    registry = RecognizerRegistry(supported_languages=["en"])
    ungated = PatternRecognizer(
        supported_entity="TICKET", patterns=[PresidioPattern("t", r"T-\d+", 0.5)]
    )
    registry.add_recognizer(ungated)
    with pytest.raises(MissingGateError, match="TICKET"):
        gates(registry)
    gated(ungated, re.compile("T-"))
    assert gates(registry)["TICKET"][0].pattern == "T-"


def test_policy_is_plain_data() -> None:
    import pickle

    p = Policy(thresholds={"PERSON": 0.5}, entities=frozenset({"PERSON"}))
    assert pickle.loads(pickle.dumps(p)) == p


def test_cli_names_the_bad_line_without_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    deny = tmp_path / "deny.txt"
    deny.write_text("Apollo\nPROJECT: /(/\n", encoding="utf-8")
    env = {**os.environ, "SENTINEL_REDACT_DENY": str(deny)}
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel.cli", "redact"],
        input="hello\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{deny}:2: invalid regex" in proc.stderr
    assert "Traceback" not in proc.stderr
