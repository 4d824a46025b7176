"""The Dockerfile as BuildKit parses it: slim Python 3.11, a non-root user, a healthcheck
on /healthz, and a build context that holds everything copied and no secrets."""

from __future__ import annotations

from pathlib import Path

import dockerfile
from deploy_support import REPO

from sentinel.config import Settings

COMMANDS = dockerfile.parse_file(str(REPO / "Dockerfile"))


def _final_stage() -> list[dockerfile.Command]:
    starts = [i for i, c in enumerate(COMMANDS) if c.cmd == "FROM"]
    return list(COMMANDS[starts[-1] :])


def test_every_stage_is_python_311_slim() -> None:
    bases = [c.value[0] for c in COMMANDS if c.cmd == "FROM"]
    assert bases and set(bases) == {"python:3.11-slim"}


def test_runs_as_a_non_root_user() -> None:
    users = [c.value[0] for c in _final_stage() if c.cmd == "USER"]
    assert users, "the final stage must switch away from root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_healthcheck_probes_healthz_on_the_api_port() -> None:
    (check,) = [c for c in _final_stage() if c.cmd == "HEALTHCHECK"]
    assert check.value[0] == "CMD" and "/healthz" in " ".join(check.value)
    exposed = {v for c in _final_stage() if c.cmd == "EXPOSE" for v in c.value}
    default_port = str(Settings.model_fields["api_port"].default)
    assert exposed == {default_port}
    env = _env()
    assert env["SENTINEL_API_HOST"] == "0.0.0.0"  # reachable through the published port
    assert env["SENTINEL_API_PORT"] == default_port


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for c in _final_stage():
        if c.cmd == "ENV":
            env.update(zip(c.value[::2], c.value[1::2], strict=True))
    return env


def test_entrypoint_is_sentinel_serve() -> None:
    (entry,) = [c for c in _final_stage() if c.cmd == "ENTRYPOINT"]
    (cmd,) = [c for c in _final_stage() if c.cmd == "CMD"]
    assert entry.json and list(entry.value) == ["sentinel"]
    assert list(cmd.value) == ["serve"]


def test_every_copied_source_exists() -> None:
    copies = [
        c for c in COMMANDS if c.cmd == "COPY" and not any(f.startswith("--from=") for f in c.flags)
    ]
    assert copies
    for c in copies:
        for source in c.value[:-1]:
            assert (REPO / source).exists(), f"line {c.start_line}: {source} is missing"


def test_build_context_excludes_secrets_and_local_state() -> None:
    patterns = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", ".env", "deploy/*.env"} <= patterns
    copied = {s for c in COMMANDS if c.cmd == "COPY" for s in c.value[:-1]}
    assert not {p for p in patterns if Path(p).parts[0] in copied}, "a COPY source is ignored"
