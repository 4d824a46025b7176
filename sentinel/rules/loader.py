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
    return out


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


def parse_rule_file(text: str, file: str) -> tuple[RuleFile | None, dict[Loc, int], list[RuleError]]:
    """Validate one file's text; returns the model (None on errors), line map and errors."""
    data, lines, errors = compose_with_lines(text, file)
    if errors:
        return None, lines, errors
    if not isinstance(data, dict):
        return None, lines, [RuleError(file, 1, "a rule file must be a mapping with `groups:`")]
    try:
        return RuleFile.model_validate(data), lines, []
    except ValidationError as exc:
        return (
            None,
            lines,
            [RuleError(file, line_of(lines, e["loc"]), describe_error(e)) for e in exc.errors()],
        )


def load_rules(paths: Iterable[str | Path]) -> RuleSet:
    """Load and cross-check rule files; raises RuleLoadError listing every problem.

    Alert names must be unique across all files, since an alert's identity (its state
    in the store, its Alertmanager labels) is its name plus labels; group names too,
    since state is kept per group."""
    errors: list[RuleError] = []
    groups: list[Group] = []
    files = expand(paths)
    seen_alerts: dict[str, str] = {}
    seen_groups: dict[str, str] = {}
    if not files:
        raise RuleLoadError([RuleError("<rules>", 0, "no rule files found")])
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            errors.append(RuleError(str(path), 0, f"cannot read: {exc.strerror or exc}"))
            continue
        model, lines, file_errors = parse_rule_file(text, str(path))
        errors.extend(file_errors)
        if model is None:
            continue
        for gi, group in enumerate(model.groups):
            where = f"{path}:{line_of(lines, ('groups', gi, 'name'))}"
            if group.name in seen_groups:
                errors.append(
                    RuleError(
                        str(path),
                        line_of(lines, ("groups", gi, "name")),
                        f"duplicate group name {group.name!r} (first at {seen_groups[group.name]})",
                    )
                )
            seen_groups.setdefault(group.name, where)
            for ri, rule in enumerate(group.rules):
                line = line_of(lines, ("groups", gi, "rules", ri, "alert"))
                if rule.alert in seen_alerts:
                    errors.append(
                        RuleError(
                            str(path),
                            line,
                            f"duplicate alert name {rule.alert!r} "
                            f"(first at {seen_alerts[rule.alert]})",
                        )
                    )
                seen_alerts.setdefault(rule.alert, f"{path}:{line}")
            groups.append(group)
    if errors:
        raise RuleLoadError(errors)
    return RuleSet(groups=groups, files=files)
