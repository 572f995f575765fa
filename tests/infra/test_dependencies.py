"""Dependencies between the project's apps fail closed: an app reaches another with a plain import, never
with ``importlib``, ``apps.get_model``, a dotted path or ``try: import … except ImportError`` — so a
missing or broken piece stops the work loudly instead of letting a check pass.

The first test reads every module of src/ (as Python syntax, not as text) and fails on a soft import of
the project's own apps; the others take each path that used to fail open and show it now fails closed.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

import bistand
from tests.applications.test_calculation_input import submitted  # noqa: F401 (a fixture)
from tests.portal.test_decision_pages import decided  # noqa: F401 (a fixture)

SRC = Path(bistand.__file__).resolve().parent

SOFT_CALLS = {"import_module", "get_model", "import_string", "__import__", "iter_modules", "walk_packages"}


def _own_app(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0].removesuffix(".py")


def _target_app(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "bistand" and len(parts) > 1 else None


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _imported_names(body: list[ast.stmt]) -> list[str]:
    names = []
    for node in body:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Import):
                names += [alias.name for alias in sub.names]
            elif isinstance(sub, ast.ImportFrom):
                module = ("." * sub.level) + (sub.module or "")
                names += [f"{module}.{alias.name}" if module else alias.name for alias in sub.names]
    return names


def soft_imports(source: str, path: Path) -> list[str]:
    """The soft imports of another app of the project in one module, as ``path:line: what``."""
    tree = ast.parse(source)
    own = _own_app(path)
    found = []
    where = path.relative_to(SRC.parent)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in SOFT_CALLS:
            argument = node.args[0] if node.args else None
            target = argument.value if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else None
            if _call_name(node) == "import_module" and target is not None and _target_app(target) in (own, None) \
                    and target.startswith("bistand."):
                continue  # a module of the same app (e.g. one shadowed by a function of the same name)
            found.append(f"{where}:{node.lineno}: {_call_name(node)}({target or '…'})")
        elif isinstance(node, ast.Try):
            caught = {ast.unparse(handler.type) if handler.type is not None else "" for handler in node.handlers}
            if not caught & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException", "",
                             "(ImportError, AttributeError)",
                             "(ModuleNotFoundError, AttributeError)", "(AttributeError, ImportError)"} and not any(
                    "ImportError" in c or "ModuleNotFoundError" in c for c in caught):
                continue
            for name in _imported_names(node.body):
                if name.startswith(("bistand.", ".")):
                    found.append(f"{where}:{node.lineno}: try: import {name} except ImportError")
    return found


def test_the_scanner_finds_each_kind_of_soft_import():
    path = SRC / "applications" / "selectors.py"
    examples = [
        'import importlib\nm = importlib.import_module("bistand.registers.selectors")\n',
        'from django.apps import apps\nm = apps.get_model("decisions", "Decision")\n',
        'try:\n    from bistand.decisions import letters\nexcept ImportError:\n    letters = None\n',
        'try:\n    from bistand.assessment import selectors\nexcept (ImportError, AttributeError):\n    pass\n',
        'from django.utils.module_loading import import_string\nf = import_string("bistand.plans.selectors.x")\n',
        'import pkgutil\nfor m in pkgutil.iter_modules([]):\n    pass\n',
        # the compiled batch reader too: it is chosen by BISTAND_BATCH_READER, never by trying (engine/readers.py)
        'try:\n    from bistand.engine import _linescan\nexcept ImportError:\n    _linescan = None\n',
        'try:\n    import bistand.engine._linescan as scan\nexcept ModuleNotFoundError:\n    scan = None\n',
        'try:\n    from . import _linescan\nexcept BaseException:\n    _linescan = None\n',
    ]
    for example in examples:
        assert soft_imports(example, path), example
    allowed = [
        "from bistand.registers import selectors\n",
        'try:\n    import yaml\nexcept ImportError:\n    yaml = None\n',
        'import importlib\nsingle = importlib.import_module("bistand.applications.events")\n',
        "from importlib import resources\n",
    ]
    for example in allowed:
        assert soft_imports(example, path) == [], example


def test_no_module_reaches_another_app_of_the_project_with_a_soft_import():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # a migration must use apps.get_model (the historical models)
        found += soft_imports(path.read_text(encoding="utf-8"), path)
    assert found == [], "Mjuka importer av projektets egna appar (använd en vanlig import):\n" + "\n".join(found)


# --- the paths that used to fail open ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_calculation_input_fails_when_the_register_facts_cannot_be_read(submitted, monkeypatch):
    """Before: a missing or broken register selector gave the calculation no register facts at all, and
    it went on with what the applicant declared."""
    from bistand.applications import selectors
    from bistand.registers import selectors as register_selectors

    application = submitted

    def broken(application):
        raise ImportError("the register plugin could not be loaded")

    monkeypatch.setattr(register_selectors, "register_facts_for", broken)
    with pytest.raises(ImportError):
        selectors.calculation_input_for(application)
    monkeypatch.delattr(register_selectors, "register_facts_for")
    with pytest.raises(AttributeError):
        selectors.calculation_incomes(application)


@pytest.mark.django_db
def test_an_open_completion_request_stops_the_automation_even_when_the_model_lookup_fails(settings, monkeypatch):
    """Before: when ``apps.get_model("applications", "CompletionRequest")`` failed, the criterion "no open
    completion request" passed."""
    from django.apps import apps

    from bistand.applications.models import CompletionRequest
    from tests.decisions.factories import standard_case
    from tests.decisions.test_automation import only_failure, run

    case = standard_case(settings)
    CompletionRequest.objects.create(municipality=case.municipality, application=case.application,
                                     requested_by=case.caseworker, text="Skicka hyresavin.",
                                     due_date=dt.date(2026, 3, 10))
    real = apps.get_model

    def get_model(app_label, model_name=None, require_ready=True):
        if (app_label, model_name) == ("applications", "CompletionRequest"):
            raise LookupError("no such model")
        return real(app_label, model_name, require_ready=require_ready)

    monkeypatch.setattr(apps, "get_model", get_model)
    decision, verdict = run(case)
    assert decision is None
    only_failure(verdict, "no_open_completion_request")


@pytest.mark.django_db
def test_the_applicant_sees_the_decision_even_when_the_model_lookup_fails(client, decided, monkeypatch):
    """Before: when ``apps.get_model("decisions", "Decision")`` failed, the e-service showed the
    applicant no decisions at all, as if none had been made."""
    from django.apps import apps

    from tests.portal.helpers import simulator_login
    from tests.portal.test_decision_pages import NUMBER

    application, decision, _calculation = decided
    real = apps.get_model

    def get_model(app_label, model_name=None, require_ready=True):
        if (app_label, model_name) == ("decisions", "Decision"):
            raise LookupError("no such model")
        return real(app_label, model_name, require_ready=require_ready)

    monkeypatch.setattr(apps, "get_model", get_model)
    simulator_login(client, NUMBER)
    page = client.get(f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/")
    assert page.status_code == 200
    assert f"/e-tjanst/ansokan/{application.pk}/beslut/{decision.pk}/" in client.get(
        f"/e-tjanst/ansokan/{application.pk}/").content.decode()
