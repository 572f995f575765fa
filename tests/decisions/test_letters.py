"""The decision letter: an accessible PDF (tagged PDF/UA, language sv, title) with the decision first,
then the calculation, reasons, legal basis, decision maker and appeal instructions; the same bytes
every time it is rendered."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pypdf
import pytest
from django.utils import timezone
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from bistand.applications.selectors import label_with_names, member_names
from bistand.common.formatting import format_kronor
from bistand.decisions import services
from bistand.decisions.letters import letter_filename, letter_title, municipality_name, render_pdf
from bistand.decisions.models import Decision
from bistand.registers.services import fetch_for_application
from bistand.tenancy.roles import Role
from tests.decisions.factories import (
    COMMITTEE_REFERENCE,
    MONTH,
    calculate,
    make_application,
    own_reasons,
    rent_grace_over,
    standard_case,
)
from tests.factories import MunicipalityFactory, household_with_members, user_with_role

pytestmark = pytest.mark.django_db

#: The case worker's own reason for the rent above Jönköping's ceiling (the calculation's text never counts).
OWN_REASONS = {"rent": "Du har haft tid att hitta en billigare bostad."}


@pytest.fixture
def decision():
    municipality = MunicipalityFactory(code="0680", name="Jönköping", official_name="Jönköpings kommun")
    household = household_with_members(municipality, adults=1, birth_date=dt.date(1984, 4, 4),
                                       first_name="Sara", last_name="Svensson")
    rent_grace_over(household)  # the rådrum ended last month: the rent above the ceiling is partly refused
    caseworker = user_with_role(Role.CASEWORKER, municipality, first_name="Eva", last_name="Ek")
    application = make_application(household, MONTH, kind="new", costs={"rent": 7000, "household_electricity": 300},
                                   incomes=[("wage", "applicant", 3000)])
    return services.issue_decision(application, calculate(application, register_facts=[]), caseworker,
                                   caseworker_text="Vi har räknat med din hyra upp till kommunens tak.",
                                   conditions="Du ska stå till arbetsmarknadens förfogande.", line_reasons=OWN_REASONS)


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def structure_tags(reader: pypdf.PdfReader) -> Counter:
    """The structure types of the tagged PDF's structure tree (/H1, /Table, /TH …)."""
    found: Counter = Counter()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if not isinstance(node, DictionaryObject):
            continue
        if "/S" in node:
            found[str(node["/S"])] += 1
        kids = node.get("/K")
        if kids is not None:
            stack.extend(kids if isinstance(kids, ArrayObject) else [kids])
    return found


def test_the_letter_is_a_tagged_pdf_in_swedish_with_a_title(decision):
    reader = read(render_pdf(decision))
    root = reader.trailer["/Root"]

    assert root["/Lang"] == "sv"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == letter_title(decision)
    assert reader.metadata.title.startswith("Beslut om ekonomiskt bistånd för mars 2026 – Jönköpings kommun")
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp or "pdfuaid" in xmp
    tags = structure_tags(reader)
    for tag in ("/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/Caption", "/L", "/LI"):
        assert tags[tag] > 0, tag


def test_the_letter_says_the_decision_first_then_calculation_reasons_legal_basis_maker_and_appeal(decision):
    text = text_of(read(render_pdf(decision)))
    flat = " ".join(text.split())

    order = [
        "Beslut om ekonomiskt bistånd (försörjningsstöd) för mars 2026",
        f"Du får {format_kronor(decision.amount_ore)} i försörjningsstöd för mars 2026.",
        "Så har vi räknat",
        "Skäl för beslutet",
        "Lagrum",
        "Villkor",
        "Beslutsfattare",
        "så överklagar du",
    ]
    positions = [flat.find(" ".join(part.split())) for part in order]
    assert all(p >= 0 for p in positions), list(zip(order, positions, strict=True))
    assert positions == sorted(positions)

    assert "Delavslag" in flat and "högre än kommunens tak" in flat
    names = member_names(decision.application)
    for line in decision.calculation.result["lines"]:
        assert " ".join(label_with_names(line["label"], names).split())[:30] in flat
    assert "Vi har räknat med din hyra upp till kommunens tak." in flat
    assert "12 kap. 7 § första stycket 1 socialtjänstlagen (2025:400)" in flat
    assert "Du ska stå till arbetsmarknadens förfogande." in flat
    assert "Eva Ek" in flat
    assert "inom tre veckor från den dag du fick del av beslutet" in flat
    assert "Socialnämnden, Jönköpings kommun" in flat
    assert "förvaltningsrätten" in flat
    assert decision.engine_version in flat and decision.parameter_hash[:12] in flat
    assert "Sara Svensson" in flat


def test_rendering_again_gives_the_same_bytes(decision):
    first = render_pdf(decision)
    again = render_pdf(Decision.objects.get(pk=decision.pk))
    assert first == again
    assert read(first).metadata.creation_date.date() == timezone.localtime(decision.issued_at).date()


def test_the_letter_is_dated_by_the_swedish_calendar_day_just_after_midnight():
    # 23:30 UTC on 31 March is 01:30 on 1 April in Sweden (summer time): the letter says 1 April.
    municipality = MunicipalityFactory(code="0680", name="Jönköping")
    household = household_with_members(municipality, adults=1)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    application = make_application(household, MONTH, kind="new", costs={"rent": 7000})
    draft = services.save_draft(application, calculate(application, register_facts=[]), caseworker,
                                line_reasons=OWN_REASONS)
    decision = services.issue_draft(draft, caseworker, issued_at=dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC))
    pdf = render_pdf(Decision.objects.get(pk=decision.pk))
    assert read(pdf).metadata.creation_date.date() == dt.date(2026, 4, 1)
    assert "Beslutsdatum: 2026-04-01" in text_of(read(pdf))


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_the_letter_is_the_same_when_rendered_again_an_hour_later_whichever_font_subsetter_is_installed(
    decision, subsetter, monkeypatch
):
    import time

    from weasyprint.pdf import fonts

    if subsetter == "fonttools":
        monkeypatch.setattr(fonts, "harfbuzz_subset", None)  # as on a machine without HarfBuzz's subsetter
    elif not fonts.harfbuzz_subset:
        pytest.skip("HarfBuzz's subsetter (libharfbuzz-subset0) is not installed here")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render_pdf(decision)
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_pdf(Decision.objects.get(pk=decision.pk)) == first


def test_different_decisions_give_different_letters(decision):
    newer = services.reconsider(decision, decision.decided_by, caseworker_text="Rättelse av villkoren.",
                                conditions="Du ska delta i de aktiviteter som planeras med dig.")
    first, second = render_pdf(decision), render_pdf(newer)
    assert first != second
    flat = " ".join(text_of(read(second)).split())
    assert f"Omprövar beslut nummer {decision.pk}" in flat
    assert read(second).metadata.title.startswith("Omprövning av beslut")


def test_an_automated_decision_names_the_automated_function_and_the_delegation(settings):
    case = standard_case(settings)
    facts = fetch_for_application(case.application)
    decision, _ = services.decide_automatically(case.application, calculation=calculate(case.application, facts),
                                                register_facts=facts)
    flat = " ".join(text_of(read(render_pdf(decision))).split())
    assert "Automatiserad beslutsfunktion" in flat
    assert COMMITTEE_REFERENCE in flat
    assert "Ingen handläggare har fattat beslutet" in flat


def test_a_draft_letter_says_it_is_a_draft(decision):
    municipality = decision.municipality
    household = household_with_members(municipality)
    application = make_application(household, MONTH, kind="new")
    calculation = calculate(application, register_facts=[])
    draft = services.save_draft(application, calculation, decision.decided_by,
                                line_reasons=own_reasons(application, calculation))
    flat = " ".join(text_of(read(render_pdf(draft))).split())
    assert "Utkast – detta är inte ett fattat beslut." in flat


def test_a_protected_address_is_left_out_of_the_letter(decision):
    applicant = decision.application.applicant
    applicant.protected_identity = True
    applicant.save()
    flat = " ".join(text_of(read(render_pdf(Decision.objects.get(pk=decision.pk)))).split())
    assert applicant.street_address not in flat


def test_names_of_municipalities_and_files():
    assert municipality_name(MunicipalityFactory.build(name="Jönköping", official_name="Jönköpings kommun")) == "Jönköpings kommun"
    assert municipality_name(MunicipalityFactory.build(name="Sävsjö", official_name="Sävsjö kommun")) == "Sävsjö kommun"
    assert municipality_name(MunicipalityFactory.build(name="Sävsjö", official_name="")) == "Sävsjö"


def test_the_file_name_names_the_decision_and_month(decision):
    assert letter_filename(decision) == f"beslut-{decision.pk}-2026-03.pdf"
