"""The README's operator guide stays true to the code: its configuration table lists
every setting (and nothing else), and it describes every service of the stack."""

from __future__ import annotations

import re
from typing import Any

from deploy_support import REPO, setting_env_names


def _guide() -> str:
    text = (REPO / "README.md").read_text()
    start = text.index("\n## Operator guide")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _config_table() -> list[str]:
    section = _guide().split("### Configuration", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.M)


def test_configuration_table_lists_every_setting_once() -> None:
    rows = _config_table()
    assert len(rows) == len(set(rows)), "a setting is listed twice"
    assert sorted(set(setting_env_names().values()) - set(rows)) == [], "undocumented"
    assert sorted(set(rows) - set(setting_env_names().values())) == [], "not a setting"


def test_guide_describes_every_compose_service(compose: dict[str, Any]) -> None:
    guide = _guide()
    for name in compose["services"]:
        assert f"| `{name}` |" in guide, name
