"""Amounts are written one way everywhere, by one formatter (issue 20): ``bistand.rules.formatting.
format_kronor`` (re-exported by ``bistand.common.formatting``). This test reads every module and template of
src/ and fails when something else builds an amount text with "kr" by hand."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import bistand

SRC = Path(bistand.__file__).resolve().parent
#: The one formatter.
FORMATTER = SRC / "rules" / "formatting.py"

_KR_END = re.compile(r"[\s\u00a0]kr$")
_KR_START = re.compile(r"^[\s\u00a0]kr\b")
_TEMPLATE_KR = re.compile(r"(\}\}|\d)(\s|&nbsp;|\u00a0)kr\b")


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return None


def hand_built_formatters(source: str, where: str) -> list[str]:
    """The functions (and lambdas) of one module whose result is built from a literal ending in " kr", and
    the f-strings anywhere that write " kr" right after a value (``f"{ore // 100} kr"``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for value, after in zip(node.values, node.values[1:], strict=False):
                text = _text(after)
                if isinstance(value, ast.FormattedValue) and text is not None and _KR_START.search(text):
                    found.append(f"{where}:{node.lineno}: f-string writes {{…}}{text[:3]!r}")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            results = [sub.value for sub in ast.walk(node) if isinstance(sub, ast.Return) and sub.value is not None]
            name = node.name
        elif isinstance(node, ast.Lambda):
            results, name = [node.body], "lambda"
        else:
            continue
        for result in results:
            for sub in ast.walk(result):
                text = _text(sub)
                if text is not None and _KR_END.search(text.rstrip("%s")):
                    found.append(f"{where}:{sub.lineno}: {name} builds {text!r}")
    return found


def test_the_scanner_finds_a_hand_built_formatter():
    examples = [
        'def _kr(value):\n    return f"{value:,}".replace(",", " ") + " kr"\n',
        'def money(ore):\n    return f"{ore // 100} kr"\n',
        'def money(ore):\n    return "%d\\u00a0kr" % (ore // 100)\n',
        'f = lambda ore: f"{ore / 100:.2f} kr"\n',
        'def table():\n    return [b",%02d kr" % r for r in range(100)]\n',
        'help_text = f"Beviljas {line.granted_ore // 100} kr av {line.applied_ore // 100} kr."\n',
    ]
    for example in examples:
        assert hand_built_formatters(example, "x.py"), example
    allowed = [
        "from bistand.common.formatting import format_kronor\n\ndef text(ore):\n    return format_kronor(ore)\n",
        'def unit():\n    return "kronor"\n',
        'def label(ore):\n    return f"Beloppet är {format_kronor(ore)}."\n',
    ]
    for example in allowed:
        assert hand_built_formatters(example, "x.py") == [], example


def test_no_module_of_src_formats_kronor_by_hand():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == FORMATTER or "migrations" in path.parts:
            continue
        found += hand_built_formatters(path.read_text(encoding="utf-8"), str(path.relative_to(SRC.parent)))
    assert found == [], ("Belopp skrivs bara med bistand.common.formatting.format_kronor (eller mallfiltren "
                         "ore_kronor/kronor):\n" + "\n".join(found))


def test_no_template_writes_kr_after_an_amount_by_hand():
    found = []
    for path in sorted(SRC.rglob("templates/**/*")):
        if path.suffix not in {".html", ".txt", ".xml"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _TEMPLATE_KR.search(line):
                found.append(f"{path.relative_to(SRC.parent)}:{number}: {line.strip()[:100]}")
    assert found == [], "Använd filtren ore_kronor eller kronor i mallarna:\n" + "\n".join(found)
