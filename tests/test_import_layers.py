"""Imports go downward: a module of the package may import only from its own part or from a lower layer
(pipelines -> api, datasets -> registry -> serving, monitoring, reporting -> features -> raw -> ground floor).
A new top-level module must be given a layer here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "credit_scoring"
LAYERS = {
    # ground floor: no project import but these
    "hooks": 0,
    "cost": 0,
    "ibis_helpers": 0,
    "database": 0,
    "spool": 0,
    "settings": 1,
    "project_config": 2,
    "records": 2,
    "raw": 3,
    "features": 4,
    "serving": 5,
    "access": 5,
    "monitoring": 5,
    "reporting": 5,
    "registry": 6,
    "datasets": 7,
    "api": 7,
    "pipelines": 8,
    "users": 8,
    "audit": 8,
    "pipeline_registry": 9,
    "__main__": 9,
    "ops": 9,
    "__init__": 9,
}


def part_of(module: str) -> str:
    """``credit_scoring.serving.loading`` -> ``serving``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom) and node.module == "credit_scoring"
        ):  # from credit_scoring import x
            found += [(node.lineno, f"credit_scoring.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("credit_scoring."):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name) for alias in node.names if alias.name.startswith("credit_scoring.")
            ]
    return found


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {path.stem if path.is_file() else path.name for path in PACKAGE.iterdir()}
    parts = {part for part in parts if not part.startswith((".", "_")) or part in {"__init__", "__main__"}}
    parts -= {"resources"}
    assert parts <= set(LAYERS), f"give these a layer: {sorted(parts - set(LAYERS))}"


def test_no_import_goes_upward() -> None:
    upward = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        source = part_of(".".join(relative.parts))
        for line, module in imports_of(path):
            target = part_of(module)
            if target != source and LAYERS[target] >= LAYERS[source]:
                upward.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line} imports {module} ({source} -> {target})"
                )
    assert not upward, "imports that go upward or sideways:\n" + "\n".join(upward)
