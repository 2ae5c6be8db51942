"""The rules never depend on the use cases: no pure module of ``server/domain/`` imports a service, a controller, a
query module, a response schema, the database layer, SQLAlchemy or Litestar, directly or through another module.

A module is pure unless its name says otherwise (``controllers``, ``services``, ``queries``, ``schemas``, or a name
ending in ``_service``) or it is one of the few listed below; so a new module is held to the rule from its first line.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "server" / "domain"
IMPURE_NAMES = {"controllers", "services", "queries", "schemas"}
# Modules that are neither rules nor use cases but adapters of their own: each says why it may not be pure.
NOT_PURE = {
    "server.domain.audit.verify",  # reads the whole audit table to check its chain (the CLI's `audit verify`)
}
FORBIDDEN_PACKAGES = ("sqlalchemy", "litestar", "advanced_alchemy", "server.db")


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def is_pure(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last not in IMPURE_NAMES and not last.endswith("_service") and name not in NOT_PURE


PURE_MODULES = sorted(
    name for path in DOMAIN.rglob("*.py") if (name := module_name(path)).count(".") >= 3 and is_pure(name)
)


def source_path(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def imported_names(name: str) -> tuple[str, ...]:
    """Every module named by an import statement anywhere in the module (also inside functions and type checks)."""
    path = source_path(name)
    assert path is not None, name
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
            for _ in range(node.level - 1):
                package = package.rsplit(".", 1)[0]
            base = f"{package}.{node.module}" if node.level and node.module else package if node.level else node.module
            assert base is not None
            names.append(base)
            # ``from server.domain.x import services`` names a module too
            names.extend(f"{base}.{alias.name}" for alias in node.names if source_path(f"{base}.{alias.name}"))
    return tuple(names)


def why_impure(imported: str) -> str | None:
    if imported.startswith(FORBIDDEN_PACKAGES) and (
        imported in FORBIDDEN_PACKAGES or imported.startswith(tuple(f"{p}." for p in FORBIDDEN_PACKAGES))
    ):
        return "the database layer or the web framework"
    if imported.startswith("server.domain.") and not is_pure(imported):
        return "a use case, a controller, a query module or a response schema"
    return None


def impure_paths(start: str) -> list[str]:
    """Import chains from ``start`` to something a pure module must not reach, through the project's modules."""
    found, seen, stack = [], {start}, [(start, [start])]
    while stack:
        current, chain = stack.pop()
        for imported in imported_names(current):
            reason = why_impure(imported)
            if reason:
                found.append(" → ".join([*chain, imported]) + f" ({reason})")
            elif imported.startswith("server.") and imported not in seen and source_path(imported):
                seen.add(imported)
                stack.append((imported, [*chain, imported]))
    return found


def test_the_rule_finds_the_pure_modules_of_every_context() -> None:
    contexts = {name.split(".")[2] for name in PURE_MODULES}
    assert {"visits", "photos", "review", "results", "insights", "admin", "instruments", "audit"} <= contexts
    assert {
        "server.domain.results.scoring",
        "server.domain.visits.sync_rules",
        "server.domain.results.exports",
        "server.domain.insights.exports",
        "server.domain.admin.assignments.draw",
        "server.domain.instruments.xlsform",
    } <= set(PURE_MODULES)


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_no_use_case_database_or_web_framework(module: str) -> None:
    assert impure_paths(module) == []


def test_the_walk_follows_imports_through_other_modules_of_the_project() -> None:
    # server.app imports server.routes, which imports the controllers: two steps away
    assert any(chain.count("→") >= 2 for chain in impure_paths("server.app"))


def test_what_a_pure_module_may_not_import() -> None:
    assert why_impure("server.domain.results.services")
    assert why_impure("server.domain.visits.flags_service")
    assert why_impure("sqlalchemy.orm")
    assert why_impure("server.db.models")
    assert why_impure("litestar")
    assert not why_impure("sqlalchemyish")
    assert not why_impure("server.domain.results.scoring")
