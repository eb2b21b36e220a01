"""The floors of the house: a module imports only from its own part or from a lower floor.

core (the kernel) < store < nlp < crawlers, secmon, alerts < api < vigil (the roof), as the README's layout
table draws them; ARCHITECTURE.md adds that nlp imports neither crawlers nor store (pure functions
over text) and secmon neither crawlers nor nlp. Imports inside functions count too, and are allowed
only with a `# lazy: <why>` comment (start-up time, not a dodged cycle); no part is imported under
`try: … except ImportError` as if it were optional: they ship in one wheel.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLOORS = {"core": 0, "store": 1, "nlp": 2, "crawlers": 3, "secmon": 3, "alerts": 3, "api": 4, "vigil": 5}
FORBIDDEN = {("nlp", "store"), ("nlp", "crawlers"), ("secmon", "crawlers"), ("secmon", "nlp")}
_ROOF_NAMES = {"ground": "core", "roof": "vigil"}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # the imported module's full name
    local: bool  # inside a function
    reason: bool  # a `# lazy:` comment on the import or the line above
    guarded: bool  # inside a try whose handler catches ImportError


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(path: Path, root: Path) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    current = _module_name(path, root)
    found: list[Import] = []

    def visit(node: ast.AST, local: bool, guarded: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner_local = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            inner_guarded = guarded
            if isinstance(child, ast.Try) and any(_catches_import_error(h) for h in child.handlers):
                for statement in child.body:
                    visit_statement(statement, inner_local, True)
                for part in (*child.handlers, *child.orelse, *child.finalbody):
                    visit(part, inner_local, guarded)
                continue
            visit_statement(
                child,
                inner_local if not isinstance(child, ast.Import | ast.ImportFrom) else local,
                inner_guarded,
            )

    def visit_statement(node: ast.AST, local: bool, guarded: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [_absolute(node, current, path.name == "__init__.py")]
            )
            for name in names:
                found.append(Import(path, node.lineno, name, local, _has_reason(lines, node), guarded))
            return
        local = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        visit(node, local, guarded)

    visit(tree, False, False)
    return found


def _has_reason(lines: list[str], node: ast.Import | ast.ImportFrom) -> bool:
    """A `# lazy:` comment on the import, or above the block of imports it belongs to."""
    if any("# lazy:" in line for line in lines[node.lineno - 1 : node.end_lineno or node.lineno]):
        return True
    index = node.lineno - 2
    while index >= 0 and lines[index].strip().startswith(("from ", "import ", ")", "#")):
        if lines[index].strip().startswith("# lazy:"):
            return True
        index -= 1
    return False


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    caught = handler.type
    if caught is None:
        return True
    elements = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(isinstance(e, ast.Name) and e.id in names for e in elements)


def violations(root: Path) -> list[str]:
    """Every import in the parts under `root` that breaks the floors, with where and why."""
    problems = []
    for part in FLOORS:
        for path in sorted((root / part).rglob("*.py")):
            for found in imports_of(path, root):
                target = found.module.split(".")[0]
                where = f"{found.path.relative_to(root)}:{found.line} imports {found.module}"
                if target not in FLOORS:
                    continue  # the standard library or a dependency
                if target != part and FLOORS[target] >= FLOORS[part]:
                    problems.append(
                        f"{where}: {part} (floor {FLOORS[part]}) reaches {target} "
                        f"(floor {FLOORS[target]}), which is not below it"
                    )
                elif (part, target) in FORBIDDEN:
                    problems.append(f"{where}: {part} must not import {target} (ARCHITECTURE.md)")
                if found.local and not found.reason:
                    problems.append(f"{where} inside a function without a `# lazy: <why>` comment")
                if found.guarded:
                    problems.append(f"{where} under `except ImportError`: the parts ship together")
    return problems


def test_no_import_reaches_up_a_floor_or_hides() -> None:
    assert violations(ROOT) == []


def test_the_readme_draws_the_same_floors() -> None:
    """The layout table in the README names each floor's folders, ground to roof."""
    table = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("| floor | folder | what |")[1]
    rows = [row for row in table.split("\n\n")[0].splitlines() if row.startswith("|") and "---" not in row]
    drawn = [re.findall(r"`(\w+)/`", row.split("|")[2]) for row in rows]
    by_floor: dict[int, set[str]] = {}
    for name, floor in FLOORS.items():
        by_floor.setdefault(floor, set()).add(name)
    assert [set(names) for names in reversed(drawn)] == [by_floor[floor] for floor in sorted(by_floor)]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"store/a.py": "from api.app import create_app\n"}, "store (floor 1) reaches api (floor 4)"),
        ({"crawlers/a.py": "import secmon.pipeline\n"}, "crawlers (floor 3) reaches secmon (floor 3)"),
        ({"nlp/a.py": "from store.models import Article\n"}, "nlp must not import store"),
        ({"api/a.py": "def f():\n    from crawlers import runner\n"}, "inside a function without"),
        (
            {"vigil/a.py": "try:\n    import crawlers.runner\nexcept ImportError:\n    pass\n"},
            "under `except ImportError`",
        ),
        ({"core/__init__.py": "", "core/a.py": "from . import b\n", "core/b.py": ""}, None),
        ({"api/a.py": "def f():\n    # lazy: FastAPI takes 0.5 s\n    import api.app\n"}, None),
        (
            {"api/a.py": "def f():\n    # lazy: x\n    import api.b\n    import api.c\n\n    import api.d"},
            "api.d",
        ),
    ],
)
def test_the_check_sees_each_kind_of_breach(
    tmp_path: Path, files: dict[str, str], expected: str | None
) -> None:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    found = violations(tmp_path)
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
