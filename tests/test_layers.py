"""The packages' layers point one way, read from every module's imports.

``patchscope.cexpr`` (C expressions) lies beneath both the equivalence stage
and the kernel models; the models lie beneath the equivalence stage, which
reaches them only through their registry (``patchscope.models`` itself).
Imports inside functions count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "patchscope"
# The stages that sit above the expression layer: it may use none of them.
ABOVE_CEXPR = ("equivalence", "models", "csource", "series", "render", "commands", "hooks",
               "main")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, name: str, is_package: bool) -> set[str]:
    """Every patchscope module *source* (module *name*) imports.

    ``from a.b import c`` counts as importing ``a.b`` and, when ``a.b.c`` is a
    module, ``a.b.c``; relative imports are resolved against *name*.
    """
    found: set[str] = set()
    base = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[:len(base) - node.level + 1]
                origin = ".".join(anchor + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            found.add(origin)
            for alias in node.names:
                candidate = f"{origin}.{alias.name}"
                dotted = Path(PACKAGE.parent, *candidate.split("."))
                if dotted.with_suffix(".py").exists() or (dotted / "__init__.py").exists():
                    found.add(candidate)
    return {module for module in found if module.split(".")[0] == "patchscope"}


def all_imports() -> dict[str, set[str]]:
    table = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        table[name] = imported_modules(path.read_text(), name, path.name == "__init__.py")
    return table


IMPORTS = all_imports()


def in_package(module: str, package: str) -> bool:
    return module == f"patchscope.{package}" or module.startswith(f"patchscope.{package}.")


def test_the_reader_sees_imports_of_every_form() -> None:
    source = ("from patchscope import models\n"
              "from .ceval import evaluate\n"
              "def f():\n    import patchscope.equivalence.decide\n")
    found = imported_modules(source, "patchscope.cexpr.cparse", is_package=False)
    assert found == {"patchscope", "patchscope.models", "patchscope.cexpr.ceval",
                     "patchscope.equivalence.decide"}


def test_the_known_users_of_the_expression_layer_are_seen() -> None:
    # The checks below would pass on an empty table; this one would not.
    assert "patchscope.cexpr" in IMPORTS["patchscope.models.binding"]
    assert "patchscope.cexpr.cparse" in IMPORTS["patchscope.equivalence.derived"]
    assert "patchscope.models" in IMPORTS["patchscope.equivalence.decide"]


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if in_package(m, "cexpr")))
def test_cexpr_imports_no_stage_above_it(module: str) -> None:
    upward = {imp for imp in IMPORTS[module]
              for stage in ABOVE_CEXPR if in_package(imp, stage)}
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if in_package(m, "models")))
def test_models_do_not_import_equivalence(module: str) -> None:
    upward = {imp for imp in IMPORTS[module] if in_package(imp, "equivalence")}
    assert not upward, f"{module} imports {sorted(upward)}"


@pytest.mark.parametrize("module", sorted(m for m in IMPORTS if in_package(m, "equivalence")))
def test_equivalence_reaches_models_only_through_the_registry(module: str) -> None:
    private = {imp for imp in IMPORTS[module]
               if in_package(imp, "models") and imp != "patchscope.models"}
    assert not private, f"{module} imports {sorted(private)}"
