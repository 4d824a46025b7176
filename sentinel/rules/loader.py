"""Load rule files into validated models, reporting every problem with file:line.

YAML is composed into nodes first (not loaded straight into dicts) so that each value
keeps its position; pydantic's error locations are then mapped back to the line of the
deepest node that exists. All errors of all files are collected before raising, so one
`sentinel rules check` run shows the operator everything to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sentinel.config import Settings
from sentinel.rules.model import Group, RuleFile

Loc = tuple[str | int, ...]

BUILTIN_RULES = Path(__file__).resolve().parent / "builtin"


@dataclass(frozen=True)
class RuleError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RuleLoadError(Exception):
    """One or more rule files are invalid; `errors` lists each with file and line."""

    def __init__(self, errors: Sequence[RuleError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class RuleSet:
    """The groups of every loaded file, in load order."""

    groups: list[Group]
    files: list[Path]


def default_rule_paths(settings: Settings) -> list[Path]:
    """SENTINEL_RULES when set, else the rules shipped with the package."""
    return [Path(p) for p in settings.rules] or [BUILTIN_RULES]


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; directories contribute their *.yml / *.yaml (not recursively, so
    a `tests/` folder beside the rules is not mistaken for rules)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix in (".yml", ".yaml")))
        else:
            out.append(p)
    # A file named twice (a dir and a file in it) is one file, not duplicate rules.
    unique: dict[Path, Path] = {}
    for p in out:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def compose_with_lines(text: str, file: str) -> tuple[Any, dict[Loc, int], list[RuleError]]:
    """Parse YAML into plain data plus a map from each value's path to its 1-based line.

    Duplicate mapping keys are errors (PyYAML would silently keep the last one)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, {}, [RuleError(file, line, f"invalid YAML: {problem}")]
    lines: dict[Loc, int] = {}
    errors: list[RuleError] = []
    constructor = yaml.SafeLoader("")

    def build(node: yaml.Node, loc: Loc) -> Any:
        lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = constructor.construct_object(key_node, deep=True)
                if key in out:
                    errors.append(
                        RuleError(file, key_node.start_mark.line + 1, f"duplicate key {key!r}")
                    )
                out[key] = build(value_node, (*loc, key))
                lines[(*loc, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return constructor.construct_object(node, deep=True)

    if root is None:
        return None, {(): 1}, []
    try:
        data = build(root, ())
    except yaml.YAMLError as exc:  # e.g. a bad !!tag
        mark = getattr(exc, "problem_mark", None)
        return None, {}, [RuleError(file, mark.line + 1 if mark else 1, f"invalid YAML: {exc}")]
    return data, lines, errors


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """Line of the deepest existing prefix of loc (a missing field → its parent)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return 1


def describe_error(err: Any) -> str:
    """One pydantic error as `path: problem`, in the words an operator expects."""
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{loc}: missing required field"
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown field"
    if err["type"] == "literal_error":
        return f"{loc}: {msg} (got {err['input']!r})"
    return f"{loc}: {msg}" if loc else msg


def parse_rule_file(
    text: str, file: str
) -> tuple[Any, RuleFile | None, dict[Loc, int], list[RuleError]]:
    """Validate one file's text: (raw data, model or None on errors, line map, errors)."""
    data, lines, errors = compose_with_lines(text, file)
    if errors:
        return data, None, lines, errors
    if not isinstance(data, dict):
        return data, None, lines, [RuleError(file, 1, "a rule file must be a mapping with groups:")]
    try:
        return data, RuleFile.model_validate(data), lines, []
    except ValidationError as exc:
        errs = [RuleError(file, line_of(lines, e["loc"]), describe_error(e)) for e in exc.errors()]
        return data, None, lines, errs


def _named(data: Any, path: tuple[str | int, ...]) -> list[tuple[Loc, str]]:
    """(location, name) of each item at `path` (e.g. groups.*.name) in raw data, so
    duplicates are found even in files that fail validation elsewhere."""
    items: list[tuple[Loc, Any]] = [((), data)]
    for step in path:
        nxt: list[tuple[Loc, Any]] = []
        for loc, value in items:
            if step == "*" and isinstance(value, list):
                nxt.extend(((*loc, i), v) for i, v in enumerate(value))
            elif isinstance(value, dict) and step in value:
                nxt.append(((*loc, step), value[step]))
        items = nxt
    return [(loc, v) for loc, v in items if isinstance(v, str)]


def load_rules(paths: Iterable[str | Path]) -> RuleSet:
    """Load and cross-check rule files; raises RuleLoadError listing every problem.

    Alert names must be unique across all files, since an alert's identity (its state
    in the store, its Alertmanager labels) is its name plus labels; group names too,
    since state is kept per group."""
    errors: list[RuleError] = []
    groups: list[Group] = []
    files = expand(paths)
    if not files:
        raise RuleLoadError([RuleError("<rules>", 0, "no rule files found")])
    seen: dict[str, dict[str, str]] = {"group": {}, "alert": {}}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            errors.append(RuleError(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        data, model, lines, file_errors = parse_rule_file(text, str(path))
        errors.extend(file_errors)
        for kind, where in (("group", ("groups", "*", "name")),
                            ("alert", ("groups", "*", "rules", "*", "alert"))):  # fmt: skip
            for loc, name in _named(data, where):
                line = line_of(lines, loc)
                if name in seen[kind]:
                    errors.append(
                        RuleError(
                            str(path),
                            line,
                            f"duplicate {kind} name {name!r} (first at {seen[kind][name]})",
                        )
                    )
                seen[kind].setdefault(name, f"{path}:{line}")
        if model is not None:
            groups.extend(model.groups)
    if errors:
        raise RuleLoadError(sorted(errors, key=lambda e: (e.file, e.line)))
    return RuleSet(groups=groups, files=files)
