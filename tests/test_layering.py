"""The architecture's import rules, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tui_chat"

FORBIDDEN = {
    "irc": {"socket", "asyncio", "threading", "selectors", "ssl", "textual", "uvloop"},
    "server": {"textual"},
    "client": {"textual"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_stay_inside_their_rules(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules found in tui_chat/{layer}"
    offenders = {
        f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"
        for path in files
        if (bad := imported_roots(path) & FORBIDDEN[layer])
    }
    assert not offenders


def test_rule_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import asyncio\nfrom textual.app import App\n")
    assert imported_roots(sample) == {"asyncio", "textual"}
