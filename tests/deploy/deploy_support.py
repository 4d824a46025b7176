"""Shared by the deployment tests: the repo's deploy artefacts, the Elasticsearch
version the test suite runs, and the environment names of every setting."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from sentinel.config import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.elk.yml"


def es_test_version() -> str:
    """The Elasticsearch version `scripts/es.sh` runs for the tests: the one constant the
    compose stack's Elasticsearch and Kibana must match."""
    match = re.search(r"^VERSION=([0-9][0-9.]*)$", (REPO / "scripts/es.sh").read_text(), re.M)
    assert match, "scripts/es.sh no longer declares VERSION=x.y.z"
    return match.group(1)


def setting_env_names() -> dict[str, str]:
    """Settings field → the environment variable an operator sets for it."""
    names = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names[field] = next(c for c in alias.choices if isinstance(c, str) and c.isupper())
        else:
            names[field] = f"SENTINEL_{field.upper()}"
    return names
