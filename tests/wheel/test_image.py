"""The container image against the wheel it installs, without a Docker engine (there is
none on the test machines). How this verifies the image:

1. BuildKit's own parser (`dockerfile`) reads the Dockerfile: the build stage copies
   exactly what the sdist is made of, builds it with `python -m build` (the command
   `make wheel` runs) and installs the resulting wheel, not the source tree, into the
   venv the final stage copies;
2. every program the image and the compose file run (ENTRYPOINT + CMD, the compose
   services' commands, the HEALTHCHECK's Python) is then run from the venv `make wheel`
   made the same way, outside the checkout, with the image's environment.
What stays unverified is Docker itself (layer caching, user namespaces): run
`docker build .` where an engine is available."""

from __future__ import annotations

import shlex
import subprocess
import tarfile
from pathlib import Path

import dockerfile
import yaml
from loopback import free_port

REPO = Path(__file__).resolve().parents[2]
COMMANDS = dockerfile.parse_file(str(REPO / "Dockerfile"))


def _stages() -> list[list[dockerfile.Command]]:
    starts = [i for i, c in enumerate(COMMANDS) if c.cmd == "FROM"]
    return [list(COMMANDS[a:b]) for a, b in zip(starts, [*starts[1:], len(COMMANDS)], strict=True)]


def _image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for c in _stages()[-1]:
        if c.cmd == "ENV":
            env.update(zip(c.value[::2], c.value[1::2], strict=True))
    return env


def test_the_build_stage_builds_and_installs_the_wheel() -> None:
    build = _stages()[0]
    run = " ".join(" ".join(c.value) for c in build if c.cmd == "RUN")
    assert "python -m build --outdir /dist ." in run
    assert "/opt/sentinel/bin/pip install /dist/*.whl" in run
    assert "pip install ." not in run  # the source tree is never installed directly
    final = _stages()[-1]
    copied = [c.value for c in final if c.cmd == "COPY"]
    assert copied == [("/opt/sentinel", "/opt/sentinel")], "the image gets the venv only"


def test_the_build_stage_copies_everything_the_sdist_holds(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = {n.split("/")[1] for n in tar.getnames() if n.count("/") >= 1}
    made_by_build = {"PKG-INFO", "setup.cfg"} | {t for t in top if t.endswith(".egg-info")}
    copied = {Path(source).name for c in _stages()[0] if c.cmd == "COPY" for source in c.value[:-1]}
    assert sorted(top - made_by_build - copied) == []


def _in_wheel_venv(
    venv: Path, tmp_path: Path, argv: list[str], **extra: str
) -> subprocess.CompletedProcess:
    env = _image_env()
    env["PATH"] = (
        env["PATH"]
        .replace("/opt/sentinel/bin", str(venv / "bin"))
        .replace("$PATH", "/usr/bin:/bin")
    )
    env |= {
        "XDG_DATA_HOME": str(tmp_path),
        "SENTINEL_SPOOL_DIR": str(tmp_path / "spool"),
        "HOME": str(tmp_path),
        **extra,
    }
    return subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_command_the_image_runs_exists_in_the_wheel(venv: Path, tmp_path: Path) -> None:
    final = _stages()[-1]
    (entry,) = [c for c in final if c.cmd == "ENTRYPOINT"]
    (cmd,) = [c for c in final if c.cmd == "CMD"]
    compose = yaml.safe_load((REPO / "docker-compose.elk.yml").read_text())
    image = compose["services"]["sentinel"]["image"]
    commands = [list(cmd.value)] + [
        s["command"]
        for s in compose["services"].values()
        if s.get("image") == image and "command" in s
    ]
    assert len(commands) >= 2  # serve, and the dashboards import job
    for command in commands:
        # Up to the first option: the sub-command, asked for its help in the wheel's venv.
        words = [w for w in command if not w.startswith("-")][:2]
        argv = [*entry.value, *words, "--help"]
        result = _in_wheel_venv(venv, tmp_path, argv)
        assert result.returncode == 0, f"{shlex.join(argv)}: {result.stderr}"


def test_the_healthcheck_is_valid_python_of_the_image(venv: Path, tmp_path: Path) -> None:
    (check,) = [c for c in _stages()[-1] if c.cmd == "HEALTHCHECK"]
    program, flag, code = check.value[1:4]
    assert (program, flag) == ("python", "-c")
    compile(code, "HEALTHCHECK", "exec")
    # With nothing listening it must fail (exit 1), not hang or pass.
    closed = str(free_port())
    result = _in_wheel_venv(venv, tmp_path, [program, flag, code], SENTINEL_API_PORT=closed)
    assert result.returncode == 1 and "URLError" in result.stderr
