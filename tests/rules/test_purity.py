"""bistand.rules is pure Python: no Django, no float arithmetic on money."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bistand.rules

RULES_DIR = Path(bistand.rules.__file__).parent
# The law only; the batch engine (bistand.engine) is checked in tests/engine.
SINGLE_PATH_FILES = list(RULES_DIR.rglob("*.py"))


def test_importing_the_rules_package_and_the_calculate_command_does_not_import_django():
    code = (
        "import sys\n"
        "import bistand.rules, bistand.rules.calculate, bistand.engine.cli, bistand.rules.model\n"
        "from bistand.rules import calculate\n"
        "calculate({'month': '2026-01', 'household': {'adults': [{'id': 'a', 'age': 30}]}})\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if m.startswith('django'))\n"
        "print('ok')\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"


def test_no_django_import_and_no_float_call_in_the_single_household_path():
    assert len(SINGLE_PATH_FILES) >= 6
    for path in SINGLE_PATH_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "django" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "django", path
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "float", f"{path}:{node.lineno} calls float()"


def test_the_law_package_has_no_batch_machinery():
    """The batch engine, its readers and runner live in bistand.engine: the law imports neither NumPy nor the
    engine, and keeps no compiled or batch module."""
    assert not [p.name for p in RULES_DIR.rglob("*") if p.suffix in {".c", ".so"} or p.name.startswith("batch")]
    for path in SINGLE_PATH_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            for module in modules:
                assert module.split(".")[0] not in {"numpy", "multiprocessing"}, f"{path}:{node.lineno}"
                assert not module.startswith("bistand.engine"), f"{path}:{node.lineno}"
