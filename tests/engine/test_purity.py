"""The batch engine stands apart from the law: pure Python + NumPy, no Django, and only the law package's
public names (a law change is made in bistand.rules alone; tests/engine/test_batch.py proves the engine
follows it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import bistand.engine

ENGINE_DIR = Path(bistand.engine.__file__).parent
ENGINE_FILES = sorted(ENGINE_DIR.glob("*.py"))


def _imports(path: Path):
    """(line, module, names) of every import of a file."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", [alias.name for alias in node.names]


def test_the_engine_uses_only_public_names_of_the_law_package():
    seen = set()
    for path in ENGINE_FILES:
        for line, module, names in _imports(path):
            assert module != "importlib", f"{path.name}:{line}: no import by name of the project's modules"
            if not module.startswith("bistand.rules"):
                continue
            seen.update(f"{module}.{name}" for name in names)
            where = f"{path.name}:{line}: {module} {names}"
            assert not any(part.startswith("_") for part in module.split(".")), where
            assert not any(name.startswith("_") for name in names), where
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            # no reaching into a law module's private names through an attribute either (rules_module._x)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in {"single", "law", "rules", "calculate", "parameters", "model", "warnings"}:
                    assert not node.attr.startswith("_"), f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}"
    assert "bistand.rules.warnings" in seen  # the warnings' texts come from the law's one function each


def test_the_engine_imports_no_django_and_nothing_of_the_project_but_the_law():
    for path in ENGINE_FILES:
        for line, module, _names in _imports(path):
            assert module.split(".")[0] != "django", f"{path.name}:{line}"
            if module.startswith("bistand."):
                assert module.startswith(("bistand.rules", "bistand.engine")), f"{path.name}:{line}: {module}"
    code = (
        "import sys\n"
        "import bistand.engine.batch, bistand.engine.batch_io, bistand.engine.cli\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if m.startswith('django'))\n"
        "print('ok')\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"
