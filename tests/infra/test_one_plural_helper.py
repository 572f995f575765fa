"""Counts are written with their word by one helper (issue 18 §2, issue 20 "correct plural forms"):
``bistand.rules.texts.how_many`` ("1 utbetalning", "3 utbetalningar"), offered to the apps by
``bistand.common.formatting``. The e-service's translated texts use Django's ngettext instead. This test reads
every module of src/ and fails on an f-string that picks a word ending by comparing a count with 1."""

from __future__ import annotations

import ast
from pathlib import Path

import bistand
from bistand.common.formatting import how_many

SRC = Path(bistand.__file__).resolve().parent


def _compares_with_one(node: ast.AST) -> bool:
    return (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq)
            and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value == 1)


def hand_built_plurals(source: str, where: str) -> list[str]:
    """f-strings with a ``{'ar' if n != 1 else ''}``-style part: a conditional on a count against 1 whose two
    branches are words (string constants)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for value in node.values:
            expression = value.value if isinstance(value, ast.FormattedValue) else None
            if (isinstance(expression, ast.IfExp) and _compares_with_one(expression.test)
                    and all(isinstance(branch, ast.Constant) and isinstance(branch.value, str)
                            for branch in (expression.body, expression.orelse))):
                found.append(f"{where}:{node.lineno}")
    return found


def test_the_helper_writes_the_count_with_the_right_word():
    assert how_many(1, "utbetalning", "utbetalningar") == "1 utbetalning"
    assert how_many(0, "utbetalning", "utbetalningar") == "0 utbetalningar"
    assert how_many(3) == "3 personer" and how_many(1) == "1 person"


def test_the_check_finds_a_hand_built_plural():
    assert hand_built_plurals("n = 2\ntext = f\"{n} utbetalning{'ar' if n != 1 else ''}\"\n", "x.py") == ["x.py:2"]
    assert hand_built_plurals("text = f\"{n} {'person' if n == 1 else 'personer'}\"\n", "x.py") == ["x.py:1"]
    assert hand_built_plurals("text = f\"{how_many(n)}\"\n", "x.py") == []


def test_no_module_builds_a_plural_by_hand():
    found = [hit for path in sorted(SRC.rglob("*.py")) if "migrations" not in path.parts
             for hit in hand_built_plurals(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))]
    assert found == [], "use bistand.common.formatting.how_many (or ngettext in the e-service): " + ", ".join(found)
