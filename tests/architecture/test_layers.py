"""The package import graph, computed from the source: no cycle between packages and no
import from a lower layer into a higher one (docs/architecture.md, "Layers").

Imports under `if TYPE_CHECKING:` are left out: they are annotations, not dependencies
that run. Lazy imports inside functions count, since they run.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "sentinel"

# Lowest first; the longest matching prefix decides a module's layer.
LAYERS: dict[str, int] = {
    "sentinel": 1,  # the root package: version, lazy client re-export
    "sentinel.clock": 1,
    "sentinel.errors": 1,
    "sentinel.config": 1,
    "sentinel.durations": 1,
    "sentinel.models": 1,
    "sentinel.subjects": 1,
    "sentinel.appnames": 1,
    "sentinel.urls": 1,
    "sentinel.scrub": 1,
    "sentinel.privatedirs": 1,
    "sentinel.settings_errors": 1,
    "sentinel.cli_tables": 1,  # Rich tables of every command, whatever its layer
    "sentinel.balance": 1,  # balance samples and burn-rate math (pure)
    "sentinel.invisibles": 1,  # the format characters safety and privacy both drop
    "sentinel.store": 2,
    "sentinel.records": 3,
    "sentinel.telemetry": 3,
    "sentinel.client": 4,
    "sentinel.privacy": 4,
    "sentinel.safety": 4,
    "sentinel.rules": 4,
    "sentinel.compliance": 4,
    "sentinel.jobs": 4,
    "sentinel.web": 5,  # shared by api and proxy, imports neither (no cycle, tested)
    "sentinel.api": 5,
    "sentinel.proxy": 5,
    "sentinel.daemon": 5,
    "sentinel.cli": 5,
    "sentinel.spool_cli": 5,
    "sentinel.spend": 5,
    "sentinel.demo": 5,
    "sentinel.doctor": 5,
    "sentinel.doctor_check": 5,
    "sentinel.doctor_budgets": 5,
    "sentinel.doctor_data": 5,
    "sentinel.doctor_tombstones": 5,
    "sentinel.doctor_settings": 5,
    "sentinel.doctor_store": 5,
    "sentinel.doctor_secrets": 5,
    "sentinel.doctor_upstream": 5,
    "sentinel.dashboards": 5,
    "sentinel.startup": 5,
    "sentinel.balance_poll": 5,
    "sentinel.budgets_cli": 5,
    "sentinel.testing": 6,  # may import anything
}
# The root package re-exports the clients lazily (`from sentinel import Sentinel`); the
# demo runs FakeDeepSeek, the one use of `sentinel.testing` inside the package.
ALLOWED = {("sentinel", "sentinel.client"), ("sentinel.demo", "sentinel.testing")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> tuple[str, int]:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return best, LAYERS[best]


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.names.update(a.name for a in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self.names.add(node.module)
            # `from sentinel.x import y` may name a submodule y
            self.names.update(f"{node.module}.{a.name}" for a in node.names)


def import_edges() -> set[tuple[str, str]]:
    known = {module_name(p) for p in SRC.rglob("*.py")}
    edges: set[tuple[str, str]] = set()
    for path in SRC.rglob("*.py"):
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        source = module_name(path)
        for name in visitor.names:
            if name in known and name != source:
                edges.add((source, name))
    return edges


def test_every_module_has_a_layer() -> None:
    for path in SRC.rglob("*.py"):
        module = module_name(path)
        assert (
            any(module == p or module.startswith(p + ".") for p in LAYERS if p != "sentinel")
            or module == "sentinel"
        ), module


def test_no_import_goes_up_a_layer() -> None:
    upward = []
    for source, target in import_edges():
        (src_prefix, src_layer), (dst_prefix, dst_layer) = layer_of(source), layer_of(target)
        if dst_layer > src_layer and (src_prefix, dst_prefix) not in ALLOWED:
            upward.append(f"{source} (layer {src_layer}) imports {target} (layer {dst_layer})")
    assert not upward, "\n".join(sorted(upward))


def test_no_two_packages_import_each_other() -> None:
    graph: dict[str, set[str]] = {}
    for source, target in import_edges():
        a, b = package_of(source), package_of(target)
        if a != b and (layer_of(source)[0], layer_of(target)[0]) not in ALLOWED:
            graph.setdefault(a, set()).add(b)
    # Depth-first search for a cycle; report the first one found, as a path.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            raise AssertionError("package import cycle: " + " -> ".join(cycle))


def test_the_webhook_signer_loads_few_sentinel_modules() -> None:
    """A receiver that only verifies signatures must not load the client, httpx and the
    records pipeline (issue 16: under 10 Sentinel modules)."""
    code = (
        "import sys, sentinel.jobs.signing; "
        "print(len([m for m in sys.modules if m == 'sentinel' or m.startswith('sentinel.')]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) < 10


def _reachable(start: str, edges: set[tuple[str, str]]) -> set[str]:
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_proxy_verifies_tokens_without_the_compliance_service() -> None:
    """Issue 16: tokens through the registry (`sentinel.web.tokens`), not by building
    exports, erasures and the audit log for every proxy; and the shared web layer
    serves both apps without importing either."""
    edges = import_edges()
    reached = _reachable("sentinel.proxy.app", edges)
    assert "sentinel.web.tokens" in reached
    assert "sentinel.compliance.service" not in reached
    for module in ("sentinel.web.tokens", "sentinel.web.state", "sentinel.web.middleware"):
        reached = _reachable(module, edges)
        assert not {m for m in reached if m.startswith(("sentinel.api", "sentinel.proxy"))}
