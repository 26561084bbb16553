"""bench/ imports in one direction: shared modules never import a case, a case imports no other case (the case-4
driver only its own sub-case modules), and no module imports another's private names."""

from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"
CASE_4_DRIVER = "bench.cases.connect_java"
CASE_4_SUB_CASES = {"bench.cases.connect_java_mirror", "bench.cases.connect_java_opensearch",
                    "bench.cases.connect_java_pg", "bench.cases.connect_java_pg_pipeline",
                    "bench.cases.connect_java_s3", "bench.cases.jdbc_pair"}
TOOLS = {"bench.phases", "bench.profile", "bench.run"}  # they run or profile cases; nothing imports them


def _imports() -> dict[str, set[tuple[str, str | None]]]:
    """Each bench module's imports of bench modules, as (module, name imported from it or None)."""
    graph: dict[str, set[tuple[str, str | None]]] = {}
    for path in BENCH.rglob("*.py"):
        module = ".".join(path.relative_to(BENCH.parent).with_suffix("").parts)
        found: set[tuple[str, str | None]] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bench":
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    if (BENCH.parent / (submodule.replace(".", "/") + ".py")).exists():
                        found.add((submodule, None))
                    else:
                        found.add((node.module, alias.name))
            elif isinstance(node, ast.Import):
                found |= {(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "bench"}
        graph[module] = found
    return graph


def test_no_module_imports_anothers_private_names() -> None:
    private = [(module, source, name) for module, imports in _imports().items() for source, name in imports
               if name is not None and name.startswith("_") and name != "__future__"]
    assert private == []


def test_shared_modules_import_no_case_and_cases_import_no_other_case() -> None:
    wrong = []
    for module, imports in _imports().items():
        cases = {source for source, _ in imports if source.startswith("bench.cases.")}
        if module in TOOLS:
            continue
        if module == CASE_4_DRIVER:
            cases -= CASE_4_SUB_CASES
        elif not module.startswith("bench.cases."):
            cases = {c for c in cases if c != "bench.cases"}
        wrong += [(module, case) for case in cases if case != module]
    assert wrong == []


def test_the_imports_have_no_circle() -> None:
    graph = {module: {source for source, _ in imports} for module, imports in _imports().items()}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path, module, target]
            if target not in state and (circle := visit(target, [*path, module])):
                return circle
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            assert visit(module, []) is None
