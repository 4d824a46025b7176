"""Every `docker compose` command the README documents works as written: the files it
names exist, the env file Compose reads for it (its `--env-file`, else `.env` in the
project directory) is one the README tells the operator to copy from a committed,
git-ignored example, and the compose file interpolated with that env file the way
Compose does is valid against the Compose specification. Without a Docker engine this is
the closest check to running the commands: the failure the issue found ("required variable
ELASTIC_PASSWORD is missing a value" on `ps` and `exec`) is an interpolation failure."""

from __future__ import annotations

import json
import re
import secrets
import shlex
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from deploy_support import REPO
from dotenv import dotenv_values

README = (REPO / "README.md").read_text()
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}
BRACED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}")
BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class MissingVariable(Exception):
    pass


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation of one string (compose-spec "Interpolation")."""
    parts = value.split("$$")  # $$ is a literal $, never a variable

    def braced(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        have, val = name in env, env.get(name, "")
        if op is None:
            return val
        if op in (":?", "?") and (not have or (op == ":?" and not val)):
            raise MissingVariable(f"required variable {name} is missing a value: {arg}")
        if op in (":-", "-"):
            return val if (have and (val or op == "-")) else interpolate(arg, env)
        if op in (":+", "+"):
            return interpolate(arg, env) if (have and (val or op == "+")) else ""
        return val

    out = [BARE.sub(lambda m: env.get(m.group(1), ""), BRACED.sub(braced, p)) for p in parts]
    return "$".join(out)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: interpolate_tree(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(v, env) for v in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def documented_commands() -> list[list[str]]:
    """`docker compose ...` from the README's code blocks and inline code."""
    found: list[list[str]] = []
    in_code = False
    for line in README.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code and line.startswith("docker compose"):
            found.append(shlex.split(line.split("  #", 1)[0]))
        elif not in_code:
            found.extend(shlex.split(c) for c in re.findall(r"`(docker compose [^`]+)`", line))
    return found


def copy_steps() -> dict[str, str]:
    """Destination → committed source of every documented `cp SRC DST`."""
    return dict(
        (dst, src)
        for src, dst in re.findall(r"^cp (\S+) (\S+)", README, re.M)
        if (REPO / src).is_file()
    )


def _options(argv: list[str]) -> tuple[list[str], list[str]]:
    files: list[str] = []
    env_files: list[str] = []
    it = iter(argv[2:])
    for arg in it:
        if arg in ("-f", "--file"):
            files.append(next(it))
        elif arg == "--env-file":
            env_files.append(next(it))
        elif arg.startswith("--env-file="):
            env_files.append(arg.split("=", 1)[1])
    return files, env_files


def _schema_errors(config: dict[str, Any]) -> list[str]:
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text()
    )
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(config)]


def _filled(example: Path) -> dict[str, str]:
    """The example as the operator leaves it after `$EDITOR`: every empty value set."""
    return {k: v or secrets.token_hex(24) for k, v in dotenv_values(example).items() if k}


COMMANDS = documented_commands()


def test_the_readme_documents_compose_commands() -> None:
    verbs = {argv[argv.index("-f") + 2] for argv in COMMANDS if "-f" in argv}
    assert {"up", "ps", "exec"} <= verbs, verbs


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[2:6]))
def test_each_documented_command_interpolates_to_a_valid_compose_file(argv: list[str]) -> None:
    files, env_files = _options(argv)
    assert files, f"{shlex.join(argv)}: names no compose file (Compose would look for compose.yaml)"
    for f in files:
        assert (REPO / f).is_file(), f"{shlex.join(argv)}: {f} does not exist"
    project_dir = (REPO / files[0]).parent
    env_paths = [REPO / e for e in env_files] or [project_dir / ".env"]
    copies = copy_steps()
    env: dict[str, str] = {}
    for path in env_paths:
        rel = path.relative_to(REPO).as_posix()
        assert rel in copies, f"{shlex.join(argv)} reads {rel}, which the README never creates"
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", rel], cwd=REPO)
        assert ignored.returncode == 0, f"{rel} holds secrets and must be git-ignored"
        env.update(_filled(REPO / copies[rel]))
    config: dict[str, Any] = {}
    for f in files:
        config.update(interpolate_tree(yaml.safe_load((REPO / f).read_text()), env))
    assert _schema_errors(config) == []
    dumped = json.dumps(config)
    for name, value in env.items():  # each secret reached the services that need it
        assert value in dumped, f"{name} from the env file is used by no service"


def test_an_unfilled_env_file_fails_naming_the_file_to_fill() -> None:
    """Compose's message for a missing secret must send the operator to the right file."""
    (argv,) = [a for a in COMMANDS if "up" in a][:1]
    files, _ = _options(argv)
    example = REPO / copy_steps()[".env"]
    empty = {k: v for k, v in dotenv_values(example).items() if k and v}
    with pytest.raises(MissingVariable, match=r"ELASTIC_PASSWORD .*\.env"):
        interpolate_tree(yaml.safe_load((REPO / files[0]).read_text()), empty)


def test_interpolation_follows_the_compose_spec() -> None:
    """The interpolation above is what makes the other tests meaningful: pin its rules."""
    env = {"A": "x", "E": ""}
    assert interpolate("${A}-$A-$$A-${NOPE:-d}-${E:-d}-${E-d}", env) == "x-x-$A-d-d-"
    assert interpolate("${A:+set}${E:+no}${E+yes}", env) == "setyes"
    assert interpolate("$${A}", env) == "${A}"
    with pytest.raises(MissingVariable, match="E is missing a value: fill it"):
        interpolate("${E:?fill it}", env)
    assert interpolate("${E?ok}", env) == ""
