"""The catalogue and the price table read the operator's override file the same way:
one that cannot be read, or is not UTF-8, is an error naming its variable and path (and
the line of the first byte that is not UTF-8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.client import catalogue, prices
from sentinel.errors import ConfigurationError


@pytest.mark.parametrize(
    ("load", "variable"),
    [(catalogue.load, "SENTINEL_MODELS_FILE"), (prices.load, "SENTINEL_PRICES_FILE")],
)
def test_a_bad_override_file_names_its_variable(tmp_path: Path, load, variable: str) -> None:
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes("models:\n  caf\xe9: {}\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match=f"^{variable} {latin1}:2: not UTF-8 text$"):
        load(latin1)
    missing = tmp_path / "missing.yml"
    with pytest.raises(ConfigurationError, match=f"^{variable} {missing}: cannot read"):
        load(missing)
    assert load(None) == load(None)  # the shipped file alone still loads
