"""A test that checks nothing cannot fail: every test function must state an outcome."""

from __future__ import annotations

import ast

from tests.conftest import REPO_ROOT

#: Calls that check an outcome: pytest.raises/warns/fail and numpy's assert_* helpers.
CHECKING_CALLS = {"raises", "warns", "fail", "deprecated_call"}


def _checks_something(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name in CHECKING_CALLS or name.startswith("assert_"):
                return True
    return False


def test_every_test_function_asserts_an_outcome():
    silent = []
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            is_test = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_test and node.name.startswith("test") and not _checks_something(node):
                silent.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name}")
    assert silent == [], (
        "these tests assert nothing (add an assert on the resulting state, or pytest.raises): "
        f"{silent}"
    )
