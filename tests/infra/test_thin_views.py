"""Views only parse the request, call a service or selector and render: no view module of the e-service
(portal/views/) or the staff pages (staff/views/) queries the ORM itself (``<Model>.objects``).

The test reads the modules as Python syntax. The few queries that remain are listed below, each with
its reason; the list may only shrink — a new query in a view, or a listed one that moved to a selector
and is still listed, fails the test.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import bistand

SRC = Path(bistand.__file__).resolve().parent
VIEW_PACKAGES = ("portal/views", "staff/views")

#: (module, the expression before ``.objects``) → why it is still there. Move each to a selector of the
#: owning app and delete its line here.
REMAINING = {
    ("staff/views/cases.py", "get_user_model()"):
        "case_assign: the colleague to assign to; cases.py is edited on other branches, move after they merge",
    ("staff/views/cases.py", "Decision"):
        "_history: the household's decisions of the last 12 months; cases.py is edited on other branches",
    ("staff/views/people.py", "get_user_model()"):
        "the user list of the access-log filter; belongs in a tenancy selector",
    ("staff/views/plans.py", "Occasion"):
        "_occasions: an assessment selector with this order and limit is still to be written",
    ("staff/views/assessment.py", "MINote"):
        "the occasion's MI note; belongs in assessment.selectors",
    ("staff/views/assessment.py", "AssessmentSettings"):
        "the municipality's assessment settings; belongs in assessment.selectors",
}


def view_modules() -> list[Path]:
    return sorted(path for package in VIEW_PACKAGES for path in (SRC / package).glob("*.py"))


def orm_queries(path: Path, root: Path = SRC) -> Counter:
    """(module, expression) → how often ``<expression>.objects`` occurs in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = path.relative_to(root).as_posix()
    return Counter((module, ast.unparse(node.value)) for node in ast.walk(tree)
                   if isinstance(node, ast.Attribute) and node.attr == "objects")


def test_the_view_packages_hold_the_expected_modules():
    names = {path.relative_to(SRC).as_posix() for path in view_modules()}
    assert {"portal/views/applications.py", "portal/views/my_case.py", "staff/views/cases.py"} <= names


def test_no_view_module_queries_the_orm_but_the_listed_exceptions():
    found = Counter()
    for path in view_modules():
        found.update(orm_queries(path))
    unexpected = sorted(key for key in found if key not in REMAINING)
    assert not unexpected, f"Views that query the ORM directly (use a selector): {unexpected}"
    moved = sorted(key for key in REMAINING if key not in found)
    assert not moved, f"No longer in the views; delete from REMAINING: {moved}"


def test_the_check_sees_a_query_however_it_is_written(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def page(request):\n"
                      "    a = Person.objects.filter(pk=1)\n"
                      "    b = selectors.CompletionRequest.objects.all()\n"
                      "    return get_user_model().objects.first(), a, b, request.objects_seen\n", encoding="utf-8")
    assert set(orm_queries(sample, tmp_path)) == {
        ("views.py", "Person"), ("views.py", "selectors.CompletionRequest"), ("views.py", "get_user_model()")}
