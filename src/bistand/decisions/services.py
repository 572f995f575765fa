"""Making decisions: by a case worker (:func:`issue_decision`, with :func:`save_draft` first if wanted),
by the automated decision function within the committee's delegation (:func:`decide_automatically`),
and correcting a decision by omprövning (:func:`reconsider`).

Every figure of a decision comes from its stored calculation (:mod:`bistand.decisions.proposals`); the
decision keeps the calculation, the engine version and the parameter-set hash. An issued decision is
never changed (see :mod:`bistand.decisions.models`). Each write records an audit event in the same
transaction; issuing the original decision of an application marks the application decided
(``applications.services.set_status``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bistand.audit.services import diff, record_change, record_create, record_delete, snapshot
from bistand.bulkinsert import insert_many
from bistand.common.formatting import format_kronor
from bistand.common.months import add_months, month_sv
from bistand.rules.parameters import load_parameters
from bistand.tenancy.scoping import check_can_act_in

from . import automation
from .models import (
    KOMMUNICERING_PROVISIONS,
    WORSENING_PROVISIONS,
    Decision,
    DecisionKind,
    DecisionLine,
    DecisionStatus,
    Delegation,
    HousingGrace,
    ImmutableDecisionError,
    KommuniceringException,
    KommuniceringExemption,
    Outcome,
    WorseningException,
    WorseningGround,
)
from .proposals import REDUCTION_ITEM, LineProposal, generated_reasons, legal_basis, normalised, propose
from .selectors import first_month_rent_above_ceiling, grace_period, housing_grace_of
from .signals import decision_reconsidered

AUDIT_FIELDS = [
    "application",
    "household",
    "month",
    "outcome",
    "amount_ore",
    "calculation",
    "engine_version",
    "parameter_hash",
    "decided_by",
    "automated",
    "delegation",
    "decision_maker_label",
    "status",
    "issued_at",
    "reconsiders",
    "person_delegation",
    "presented_by",
    "presented_at",
]

AUTOMATED_MAKER = "Automatiserad beslutsfunktion"
#: Application statuses in which a first decision can be made.
OPEN_STATUSES = ("submitted", "in_review")


class DecisionError(ValueError):
    """The decision cannot be made as asked (message in Swedish, for the case worker)."""


class NoDelegationError(DecisionError):
    """The user has no delegation for the decision at hand: they may only prepare it (föredragande) for
    someone with delegation to decide (:func:`submit_for_decision`)."""


class MissingReasonsError(DecisionError):
    """Lines that are not granted in full lack the case worker's own reason (``items``: their items)."""

    def __init__(self, message: str, items: list[str]) -> None:
        super().__init__(message)
        self.items = items


#: What the form says on a reason field that has no reason of the case worker's own.
OWN_REASON_MISSING = ("Skriv ditt eget skäl. Förslaget från beräkningen räknas inte som ditt skäl, inte heller om "
                      "du skriver av det.")


__all__ = [
    "DecisionError",
    "ImmutableDecisionError",
    "MissingReasonsError",
    "OWN_REASON_MISSING",
    "automated_decision_maker_label",
    "automated_draft",
    "decide_proposal",
    "return_proposal",
    "submit_for_decision",
    "NoDelegationError",
    "decide_automatically",
    "decide_automatically_many",
    "issue_decision",
    "issue_draft",
    "person_decision_maker_label",
    "reconsider",
    "save_draft",
]


# --- texts -----------------------------------------------------------------------------------------


def person_decision_maker_label(user) -> str:
    """How a case worker is named as the decision maker in the decision: full name, else user name."""
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def automated_decision_maker_label(delegation: Delegation) -> str:
    return (f"{AUTOMATED_MAKER} enligt delegation från {delegation.municipality.committee_name} "
            f"({delegation.committee_reference}, gäller från {delegation.effective_from:%Y-%m-%d})")


def _automation_paragraph(delegation: Delegation, verdict) -> str:
    checked = "; ".join(c.label_sv.lower() for c in verdict.passed)
    return (
        f"Beslutet är fattat av en automatiserad beslutsfunktion, som {delegation.municipality.committee_name} "
        f"har delegerat beslut om försörjningsstöd till ({delegation.committee_reference}). Alla villkor i "
        "delegationen var uppfyllda: "
        f"{checked}. Du kan alltid begära att en handläggare prövar ditt ärende."
    )


def _join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


# --- checks ----------------------------------------------------------------------------------------


def _check_calculation(application, calculation) -> None:
    if calculation is None:
        raise DecisionError("Beslutet behöver en beräkning.")
    if calculation.household_id != application.household_id or calculation.month != application.month:
        raise DecisionError(
            f"Beräkningen gäller inte ansökan: den gäller hushåll {calculation.household_id} för "
            f"{month_sv(calculation.month)}, ansökan hushåll {application.household_id} för {month_sv(application.month)}."
        )
    if calculation.municipality_id != application.municipality_id:
        raise DecisionError("Beräkningen hör till en annan kommun än ansökan.")


def _check_no_pending_kommunicering(application) -> None:
    """A decision against the applicant waits for the kommunicering (25 § FL): their answer or its last day."""
    from bistand.applications.selectors import pending_kommunicering

    running = pending_kommunicering(application)
    if running is not None:
        raise DecisionError(
            f"Sökanden har till {running.due_date:%Y-%m-%d} att yttra sig över uppgifterna från registren "
            "(kommunicering enligt 25 § förvaltningslagen). Ett beslut som går sökanden emot kan fattas när sökanden "
            "har svarat eller den dagen har passerat.")


#: The start of the error when a decision against the applicant needs a kommunicering first (25 § FL).
KOMMUNICERING_REQUIRED = "Kommunicera registeruppgifterna innan beslut"


def _register_differences(application) -> list:
    """What the case page shows as differing between the declaration and the fetched register data (persons
    whose data were not fetched are not register data the decision rests on)."""
    from bistand.registers.services import compare_declared

    return [d for d in compare_declared(application) if d.code != "not_fetched"]


def _kommunicering_paragraph(decision: Decision) -> str:
    """Check that a decision against the applicant resting on register data that differ from the
    declaration may be issued (25 § förvaltningslagen), and return the letter's paragraph on it ("" when
    the rule does not apply). It may when a kommunicering of the application is completed (answered or
    its last day passed) or the case worker recorded an exception of 25 § second paragraph; otherwise
    DecisionError, naming what to do."""
    from bistand.applications.selectors import completed_kommunicering

    if decision.outcome not in (Outcome.REFUSED, Outcome.PARTLY_REFUSED) or decision.calculation_id is None:
        return ""
    differing = _register_differences(decision.application)
    if not differing:
        return ""
    exemption = KommuniceringExemption.objects.filter(decision=decision).first()
    if exemption is not None:
        return ("Vi har inte gett dig tillfälle att yttra dig över uppgifterna från registren innan beslutet, enligt "
                f"{KOMMUNICERING_PROVISIONS[exemption.exception]}: {exemption.reason}")
    done = completed_kommunicering(decision.application)
    if done is not None:
        answered = (f"Du svarade den {timezone.localtime(done.answered_at):%Y-%m-%d}." if done.status == "answered"
                    else f"Du svarade inte till och med {done.due_date:%Y-%m-%d}.")
        return ("Innan beslutet fick du tillfälle att yttra dig över uppgifterna från registren som skiljer sig från "
                f"det du angav (kommunicering enligt 25 § förvaltningslagen). {answered}")
    raise DecisionError(
        f"{KOMMUNICERING_REQUIRED}: beslutet går sökanden emot och bygger på uppgifter från registren som skiljer "
        "sig från ansökan (" + " ".join(d.detail for d in differing) + "). Skicka uppgifterna till sökanden med "
        "”Kommunicera uppgifterna från registren” på ärendet och vänta på svar eller sista svarsdag, eller välj "
        "ett undantag i 25 § andra stycket förvaltningslagen och skriv skälen (25 § förvaltningslagen).")


def _record_kommunicering_exemption(decision: Decision, user, exception: str, reason: str) -> None:
    """Record (or, for a draft written again, replace) the exception of FL 25 § second paragraph."""
    exception = (exception or "").strip()
    reason = " ".join((reason or "").split())
    if exception and exception not in KommuniceringException.values:
        raise DecisionError("Välj ett av undantagen i 25 § andra stycket förvaltningslagen.")
    if exception and not reason:
        raise DecisionError("Skriv skälen till att undantaget från kommunicering i 25 § andra stycket "
                            "förvaltningslagen gäller.")
    fields = ["decision", "exception", "reason"]
    old = KommuniceringExemption.objects.filter(decision=decision).first()
    if old is not None:
        if old.exception == exception and old.reason == reason:
            return
        record_delete(user=user, instance=old, municipality_id=decision.municipality_id, fields=fields)
        old.delete()
    if exception:
        made = KommuniceringExemption.objects.create(decision=decision, exception=exception, reason=reason)
        record_create(user=user, instance=made, municipality_id=decision.municipality_id, fields=fields)


def _set_application_decided(application, actor) -> None:
    from bistand.applications import services as application_services

    if application.status != "decided":
        application_services.set_status(application, "decided", actor=actor)


# --- writing ---------------------------------------------------------------------------------------


def _line(decision: Decision, position: int, line: LineProposal) -> DecisionLine:
    return DecisionLine(decision=decision, position=position, item=line.item, label=line.label[:200],
                        applied_ore=line.applied_ore, granted_ore=line.granted_ore, outcome=line.outcome,
                        reason=line.text)


def _resolve(application, calculation, *, outcome: str | None, caseworker_text: str,
             line_reasons: Mapping[str, str] | None) -> tuple[str, int, list[LineProposal], str, str]:
    """(outcome, amount, lines, generated reasons, legal basis) for a decision by a case worker."""
    caseworker_text = caseworker_text.strip()
    if outcome == Outcome.DISMISSED:
        if not caseworker_text:
            raise DecisionError("Skriv skälen till att ansökan avvisas.")
        if calculation is not None:
            _check_calculation(application, calculation)
        return Outcome.DISMISSED, 0, [], "", legal_basis(None)
    _check_calculation(application, calculation)
    proposal = propose(application, calculation, line_reasons=line_reasons)
    if outcome in (None, "", proposal.outcome):
        if proposal.missing_reasons:
            raise MissingReasonsError(
                "Skriv dina egna skäl till att följande inte beviljas i sin helhet (texten från beräkningen räknas "
                "inte som ditt skäl): " + ", ".join(proposal.missing_reasons) + ".",
                proposal.missing_items,
            )
        return proposal.outcome, proposal.amount_ore, proposal.lines, proposal.reasons, proposal.legal_basis
    if outcome == Outcome.REFUSED:
        # The case worker refuses although the calculation would grant: the whole amount is refused,
        # and the case worker's own reasons are required.
        if not caseworker_text:
            raise DecisionError("Skriv skälen till avslaget.")
        lines = [LineProposal(line.item, line.label, line.applied_ore, 0, Outcome.REFUSED,
                              suggestion="Ansökan avslås i sin helhet; se skälen för beslutet.") for line in proposal.lines]
        reasons = generated_reasons(calculation, proposal.lines, Outcome.REFUSED)
        return Outcome.REFUSED, 0, lines, reasons, proposal.legal_basis
    labels = dict(Outcome.choices)
    raise DecisionError(
        f"Beräkningen ger {labels[proposal.outcome].lower()}, inte {labels.get(outcome, outcome).lower()}. "
        "Ändra beräkningen om beloppet ska bli ett annat."
    )


def _write(
    application,
    calculation,
    user,
    *,
    issue: bool,
    outcome: str | None,
    caseworker_text: str,
    conditions: str,
    line_reasons: Mapping[str, str] | None,
    reconsiders: Decision | None,
    issued_at: dt.datetime | None,
    reasons_prefix: str = "",
    kommunicering_exception: str = "",
    kommunicering_reason: str = "",
) -> Decision:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Ett beslut av en person kräver en inloggad handläggare.")
    check_can_act_in(user, application.municipality_id)
    if reconsiders is None and application.status not in OPEN_STATUSES:
        raise DecisionError("Ansökan kan inte beslutas: den är inte inlämnad eller är redan beslutad.")
    resolved, amount, lines, generated, basis = _resolve(
        application, calculation, outcome=outcome, caseworker_text=caseworker_text, line_reasons=line_reasons
    )
    if issue and resolved != Outcome.GRANTED:
        _check_no_pending_kommunicering(application)
    draft = (
        Decision.objects.select_for_update()
        .filter(application=application, status=DecisionStatus.DRAFT)
        .filter(**({"reconsiders": reconsiders} if reconsiders is not None else {"reconsiders__isnull": True}))
        .first()
    )
    if reconsiders is None and draft is None and Decision.objects.filter(
        application=application, reconsiders__isnull=True
    ).exists():
        raise DecisionError("Ansökan har redan ett beslut. Ompröva beslutet om det ska ändras.")
    values = dict(
        municipality_id=application.municipality_id,
        application=application,
        household_id=application.household_id,
        month=application.month,
        outcome=resolved,
        amount_ore=amount,
        calculation=calculation,
        engine_version=calculation.engine_version if calculation is not None else "",
        parameter_hash=calculation.parameter_hash if calculation is not None else "",
        reasons=_join(reasons_prefix, generated, caseworker_text),
        caseworker_text=caseworker_text.strip(),
        legal_basis=basis,
        conditions=conditions.strip(),
        decided_by=user,
        automated=False,
        delegation=None,
        automation_report=[],
        decision_maker_label=person_decision_maker_label(user)[:300],
        reconsiders=reconsiders,
    )
    if draft is None:
        decision = Decision(status=DecisionStatus.DRAFT, created_by=user, **values)
        try:
            with transaction.atomic():
                decision.save()
        except IntegrityError:
            raise DecisionError("Ansökan har redan ett beslut eller ett utkast. Ladda om sidan.") from None
        record_create(user=user, instance=decision, municipality_id=decision.municipality_id, fields=AUDIT_FIELDS)
    else:
        decision = draft
        before = snapshot(decision, AUDIT_FIELDS)
        for name, value in values.items():
            setattr(decision, name, value)
        decision.save()
        decision.lines.all().delete()
        record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                      changes=diff(before, snapshot(decision, AUDIT_FIELDS)))
    DecisionLine.objects.bulk_create(
        [_line(decision, i, line) for i, line in enumerate(lines)]
    )
    _record_kommunicering_exemption(decision, user, kommunicering_exception, kommunicering_reason)
    if issue:
        _issue(decision, user, issued_at)
    return decision


def _delegation_for(decision: Decision, user, on: dt.date):
    """The row of the delegationsordning under which ``user`` decides ``decision`` on ``on`` (None when the
    municipality has no delegationsordning yet). Raises :class:`NoDelegationError` when the user has none."""
    from .selectors import has_delegationsordning, kinds_of, may_decide

    if not has_delegationsordning(decision.municipality):
        return None
    kinds = kinds_of(decision)
    answers = [may_decide(user, decision.municipality, kind, decision.amount_ore, on=on) for kind in kinds]
    missing = [DecisionKind(kind).label.lower() for kind, answer in zip(kinds, answers, strict=True) if not answer]
    if missing:
        raise NoDelegationError(
            f"Du har inte delegation att fatta beslutet ({', '.join(missing)}, {format_kronor(decision.amount_ore)}). "
            "Lämna förslaget för beslut till någon med delegation; du står då som föredragande.")
    return answers[0].delegation


def _issue(decision: Decision, user, issued_at: dt.datetime | None) -> None:
    """Issue ``decision``: its legal basis is the law in force on the decision date (the Swedish calendar
    day it is issued), whenever its draft was made. The decision maker needs a delegation for it in the
    municipality's delegationsordning (when it has one); the row is recorded with the decision."""
    moment = issued_at or timezone.now()
    kommunicering = _kommunicering_paragraph(decision)
    delegation = _delegation_for(decision, user, timezone.localdate(moment))
    fields = ["status", "issued_at", "legal_basis", "person_delegation", "presented_by", "reasons"]
    before = snapshot(decision, fields)
    if kommunicering:
        decision.reasons = _join(decision.reasons, kommunicering)
    decision.person_delegation = delegation
    if decision.presented_by_id is not None and decision.presented_by_id == decision.decided_by_id:
        decision.presented_by = None  # who decides what they prepared was not föredragande
    decision.status = DecisionStatus.ISSUED
    decision.issued_at = moment
    if decision.calculation_id is not None:
        decision.legal_basis = legal_basis(decision.calculation, automated=decision.automated,
                                           decision_date=timezone.localdate(decision.issued_at))
    decision.save()
    record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                  changes=diff(before, snapshot(decision, fields)))
    if decision.reconsiders_id is None:
        _set_application_decided(decision.application, user)
    record_housing_grace(decision, user)
    _store_letter(decision)


def _store_letter(decision: Decision) -> None:
    """Store the issued decision's letter with its SHA-256 (the letter is part of the decision)."""
    from .letters import store_letter

    store_letter(decision)


@transaction.atomic
def save_draft(application, calculation, user, *, outcome: str | None = None, caseworker_text: str = "",
               conditions: str = "", line_reasons: Mapping[str, str] | None = None,
               reconsiders: Decision | None = None, kommunicering_exception: str = "",
               kommunicering_reason: str = "") -> Decision:
    """Create or update the draft decision on ``application`` (drafts can be changed until issued).
    The same checks as :func:`issue_decision`."""
    return _write(application, calculation, user, issue=False, outcome=outcome, caseworker_text=caseworker_text,
                  conditions=conditions, line_reasons=line_reasons, reconsiders=reconsiders, issued_at=None,
                  kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason)


@transaction.atomic
def issue_draft(decision: Decision, user, *, issued_at: dt.datetime | None = None) -> Decision:
    """Issue a draft as it stands (the person issuing it becomes the decision maker)."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.is_issued:
        raise ImmutableDecisionError("Beslutet är redan fattat.")
    check_can_act_in(user, decision.municipality_id)
    if decision.decided_by_id != getattr(user, "pk", None):
        before = snapshot(decision, AUDIT_FIELDS)
        decision.decided_by = user
        decision.decision_maker_label = person_decision_maker_label(user)[:300]
        decision.save()
        record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                      changes=diff(before, snapshot(decision, AUDIT_FIELDS)))
    _issue(decision, user, issued_at)
    return decision


@transaction.atomic
def issue_decision(application, calculation, user, *, outcome: str | None = None, caseworker_text: str = "",
                   conditions: str = "", line_reasons: Mapping[str, str] | None = None,
                   issued_at: dt.datetime | None = None, kommunicering_exception: str = "",
                   kommunicering_reason: str = "") -> Decision:
    """A case worker's decision on ``application`` from ``calculation`` (a stored calculation of the
    application's household and month), issued at once (a draft of the application is completed).

    * ``outcome`` None: what the calculation gives (bifall, delavslag or avslag, see
      :mod:`bistand.decisions.proposals`); ``"refused"`` refuses although the calculation would grant
      (``caseworker_text`` required); ``"dismissed"`` (avvisning) needs no calculation but
      ``caseworker_text``.
    * ``line_reasons``: item → the case worker's reason for an item that is not granted in full
      (required where the calculation gives none).
    * ``caseworker_text`` is added to the generated reasons; ``conditions`` are written into the decision.
    * A decision against the applicant (avslag, delavslag) resting on register data that differ from the
      declaration needs a completed kommunicering (25 § förvaltningslagen, ``applications.services.
      start_kommunicering``) or ``kommunicering_exception`` (a :class:`~bistand.decisions.models.
      KommuniceringException`) with the case worker's ``kommunicering_reason``; the letter says which.

    Raises :class:`DecisionError` (Swedish message) when the decision cannot be made, and
    ``PermissionDenied`` when ``user`` does not work in the application's municipality.
    """
    return _write(application, calculation, user, issue=True, outcome=outcome, caseworker_text=caseworker_text,
                  conditions=conditions, line_reasons=line_reasons, reconsiders=None, issued_at=issued_at,
                  kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason)


@transaction.atomic
def reconsider(decision: Decision, user, *, calculation=None, caseworker_text: str, outcome: str | None = None,
               conditions: str | None = None, line_reasons: Mapping[str, str] | None = None,
               issued_at: dt.datetime | None = None, worsening_exception: str = "",
               worsening_reason: str = "", kommunicering_exception: str = "",
               kommunicering_reason: str = "") -> Decision:
    """Omprövning (FL 37–39 §§): a new issued decision that replaces ``decision`` (which stays as it
    was) and refers to it. ``calculation`` is the new stored calculation (default: the old decision's);
    ``caseworker_text`` — why the decision is reconsidered — is required. A decision can be
    reconsidered once; reconsider the newest decision of the chain.

    A favourable decision is changed to the applicant's detriment (a lower amount) only under one of
    the exceptions of FL 37 § second paragraph: ``worsening_exception`` (a
    :class:`~bistand.decisions.models.WorseningException`) and the case worker's ``worsening_reason``;
    otherwise DecisionError. The money of the month is settled by
    ``payments.services.settle_reconsideration``: payments not yet sent are stopped, the new decision
    pays only the difference, and an overpayment is recorded for återkrav (never decided here)."""
    return _reconsideration(decision, user, issue=True, calculation=calculation, caseworker_text=caseworker_text,
                            outcome=outcome, conditions=conditions, line_reasons=line_reasons, issued_at=issued_at,
                            worsening_exception=worsening_exception, worsening_reason=worsening_reason,
                            kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason)


@transaction.atomic
def submit_reconsideration_for_decision(decision: Decision, user, *, calculation=None, caseworker_text: str,
                                        outcome: str | None = None, conditions: str | None = None,
                                        line_reasons: Mapping[str, str] | None = None, worsening_exception: str = "",
                                        worsening_reason: str = "", kommunicering_exception: str = "",
                                        kommunicering_reason: str = "") -> Decision:
    """Föredragning of an omprövning: the same reconsideration as :func:`reconsider` (the same checks:
    reasons required, FL 37 § second paragraph for a worsening, the newest decision of the chain), saved
    as a proposal with ``user`` as föredragande for someone with delegation for it to decide
    (:func:`decide_proposal`, which then settles the month's money as :func:`reconsider` does) or return
    (:func:`return_proposal`). Submitting again updates the proposal."""
    new = _reconsideration(decision, user, issue=False, calculation=calculation, caseworker_text=caseworker_text,
                           outcome=outcome, conditions=conditions, line_reasons=line_reasons, issued_at=None,
                           worsening_exception=worsening_exception, worsening_reason=worsening_reason,
                           kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason)
    return _present(new, user)


def _reconsideration(decision: Decision, user, *, issue: bool, calculation, caseworker_text: str, outcome: str | None,
                     conditions: str | None, line_reasons: Mapping[str, str] | None, issued_at: dt.datetime | None,
                     worsening_exception: str, worsening_reason: str, kommunicering_exception: str = "",
                     kommunicering_reason: str = "") -> Decision:
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not decision.is_issued:
        raise DecisionError("Bara ett fattat beslut kan omprövas. Ändra utkastet i stället.")
    newer = Decision.objects.filter(reconsiders=decision, status=DecisionStatus.ISSUED).first()
    if newer is not None:
        raise DecisionError(f"Beslutet har redan omprövats (beslut {newer.pk}). Ompröva det senaste beslutet.")
    if not caseworker_text or not caseworker_text.strip():
        raise DecisionError("Skriv skälen till omprövningen.")
    calculation = calculation if calculation is not None else decision.calculation
    prefix = (f"Detta beslut är en omprövning av beslut {decision.pk} den "
              f"{timezone.localtime(decision.issued_at):%Y-%m-%d} och ersätter det.")
    worsening_exception = (worsening_exception or "").strip()
    worsening_reason = " ".join((worsening_reason or "").split())
    if worsening_exception and worsening_exception not in WorseningException.values:
        raise DecisionError("Välj ett av undantagen i 37 § andra stycket förvaltningslagen.")
    if worsening_exception and worsening_reason:
        prefix += (f" Beslutet ändras till din nackdel enligt {WORSENING_PROVISIONS[worsening_exception]}: "
                   f"{worsening_reason}")
    if line_reasons is None:
        # The reconsideration's reasons are the case worker's own: they are the reason of each line that is
        # not granted in full and has none of its own (the omprövning form has one text for all).
        own = " ".join(caseworker_text.split())
        line_reasons = {line.item: own for line in propose(decision.application, calculation).lines
                        if line.outcome != Outcome.GRANTED and not line.has_own_reason}
    new = _write(
        decision.application, calculation, user, issue=issue, outcome=outcome, caseworker_text=caseworker_text,
        conditions=decision.conditions if conditions is None else conditions, line_reasons=line_reasons,
        reconsiders=decision, issued_at=issued_at, reasons_prefix=prefix, kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason,
    )
    if decision.outcome in (Outcome.GRANTED, Outcome.PARTLY_REFUSED) and new.amount_ore < decision.amount_ore:
        if not worsening_exception:
            raise DecisionError(
                "Beslutet är gynnande och omprövningen skulle ändra det till sökandens nackdel "
                f"(från {format_kronor(decision.amount_ore)} till {format_kronor(new.amount_ore)}). Det får bara göras om ett "
                "undantag i 37 § andra stycket förvaltningslagen gäller: välj undantaget och skriv skälen.")
        if not worsening_reason:
            raise DecisionError("Skriv skälen till att undantaget i 37 § andra stycket förvaltningslagen gäller.")
        _drop_worsening_ground(new, user)  # a proposal submitted again gets the ground it now has
        ground = WorseningGround.objects.create(decision=new, exception=worsening_exception, reason=worsening_reason)
        record_create(user=user, instance=ground, municipality_id=new.municipality_id,
                      fields=["decision", "exception", "reason"])
    else:
        _drop_worsening_ground(new, user)
    if issue:
        decision_reconsidered.send(sender=Decision, old=decision, new=new, user=user)
    return new


def _drop_worsening_ground(decision: Decision, user) -> None:
    """Remove the worsening ground of a decision not yet issued (a reconsideration proposal changed)."""
    if decision.is_issued:
        return
    ground = WorseningGround.objects.filter(decision=decision).first()
    if ground is not None:
        record_delete(user=user, instance=ground, municipality_id=decision.municipality_id,
                      fields=["decision", "exception", "reason"])
        ground.delete()


# --- föredragning: a proposal for someone with delegation to decide ------------------------------------


@transaction.atomic
def submit_for_decision(application, calculation, user, *, outcome: str | None = None, caseworker_text: str = "",
                        conditions: str = "", line_reasons: Mapping[str, str] | None = None,
                        kommunicering_exception: str = "", kommunicering_reason: str = "") -> Decision:
    """Save the decision on ``application`` as a proposal for someone with delegation to decide, with
    ``user`` as föredragande (the same checks as :func:`save_draft`). It waits on the "Att besluta" list
    (:func:`bistand.decisions.selectors.proposals_to_decide`) until decided (:func:`decide_proposal`) or
    returned (:func:`return_proposal`). Submitting again updates the proposal."""
    decision = _write(application, calculation, user, issue=False, outcome=outcome, caseworker_text=caseworker_text,
                      conditions=conditions, line_reasons=line_reasons, reconsiders=None, issued_at=None,
                      kommunicering_exception=kommunicering_exception, kommunicering_reason=kommunicering_reason)
    return _present(decision, user)


def _present(decision: Decision, user) -> Decision:
    """Mark the draft ``decision`` as presented for decision by ``user`` (föredragande)."""
    fields = ["presented_by", "presented_at", "returned_comment"]
    before = snapshot(decision, fields)
    decision.presented_by = user
    decision.presented_at = timezone.now()
    decision.returned_comment = ""
    decision.save()
    record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                  changes=diff(before, snapshot(decision, fields)))
    return decision


def _locked_proposal(decision: Decision, user) -> Decision:
    decision = (Decision.objects.select_for_update(of=("self",)).select_related("municipality", "calculation")
                .get(pk=decision.pk))
    if decision.is_issued:
        raise ImmutableDecisionError("Beslutet är redan fattat.")
    if decision.presented_at is None:
        raise DecisionError("Förslaget väntar inte på beslut: det har lämnats tillbaka eller aldrig lämnats för beslut.")
    check_can_act_in(user, decision.municipality_id)
    if decision.presented_by_id == getattr(user, "pk", None):
        raise DecisionError("Du är föredragande för förslaget. Någon annan med delegation fattar beslutet.")
    return decision


@transaction.atomic
def decide_proposal(decision: Decision, user, *, issued_at: dt.datetime | None = None) -> Decision:
    """The delegate decides a proposal as it stands: ``user`` becomes the decision maker (beslutsfattare),
    the preparer stays recorded as föredragande. Raises :class:`NoDelegationError` when ``user`` has no
    delegation for it, DecisionError when it is not waiting for a decision or ``user`` presented it."""
    decision = _locked_proposal(decision, user)
    if decision.reconsiders_id is None and decision.application.status not in OPEN_STATUSES:
        raise DecisionError("Ansökan kan inte beslutas: den är inte inlämnad eller är redan beslutad.")
    old = None
    if decision.reconsiders_id is not None:  # an omprövning: the decision it replaces must still be in force
        old = Decision.objects.select_for_update().get(pk=decision.reconsiders_id)
        newer = Decision.objects.filter(reconsiders=old, status=DecisionStatus.ISSUED).first()
        if newer is not None:
            raise DecisionError(f"Beslutet har redan omprövats (beslut {newer.pk}). Förslaget kan inte beslutas.")
    if decision.outcome != Outcome.GRANTED:
        _check_no_pending_kommunicering(decision.application)
    before = snapshot(decision, AUDIT_FIELDS)
    decision.decided_by = user
    decision.decision_maker_label = person_decision_maker_label(user)[:300]
    decision.save()
    record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                  changes=diff(before, snapshot(decision, AUDIT_FIELDS)))
    _issue(decision, user, issued_at)
    if old is not None:  # the month's money is settled as for an omprövning decided at once
        decision_reconsidered.send(sender=Decision, old=old, new=decision, user=user)
    return decision


@transaction.atomic
def return_proposal(decision: Decision, user, *, comment: str) -> Decision:
    """The delegate returns a proposal to its föredragande with a comment (required); it leaves the
    "Att besluta" list and stays a draft for the föredragande to change and submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise DecisionError("Skriv en kommentar till föredraganden om varför förslaget lämnas tillbaka.")
    decision = _locked_proposal(decision, user)
    from .selectors import may_decide_decision

    if not may_decide_decision(user, decision):
        raise NoDelegationError("Bara den som har delegation för beslutet kan lämna tillbaka förslaget.")
    fields = ["presented_at", "returned_comment"]
    before = snapshot(decision, fields)
    decision.presented_at = None
    decision.returned_comment = comment
    decision.save()
    record_change(user=user, action="update", instance=decision, municipality_id=decision.municipality_id,
                  changes=diff(before, snapshot(decision, fields)))
    return decision


def _calculate_for(application, register_facts=None):
    """Calculate and store the application's calculation from its declaration and register facts
    (``applications.selectors.calculation_input_for``)."""
    from bistand.applications.selectors import calculation_input_for
    from bistand.calculations.services import calculate_and_store

    document = calculation_input_for(application, register_facts)
    return calculate_and_store(application.household, application.month, document, "system")


def decide_automatically(application, *, calculation=None, register_facts: Iterable | None = None,
                         on: dt.date | None = None, issued_at: dt.datetime | None = None):
    """Let the automated decision function decide ``application`` if every criterion of the delegation
    in force holds (:func:`bistand.decisions.automation.evaluate`). Returns ``(decision, verdict)``:
    the issued decision, or None and the verdict with the failed criteria (the application then goes
    to a case worker). Only full grants are ever decided here.

    Idempotent: an application that already has a decision is not decided again (the criterion
    ``application_open`` fails; two runs at the same moment are stopped by the database's one-decision-
    per-application constraint, and the loser gets the existing decision)."""
    if register_facts is not None:
        register_facts = list(register_facts)
    if calculation is None:
        calculation = _calculate_for(application, register_facts)
    verdict = automation.evaluate(application, calculation, register_facts, on=on)
    if not verdict.automate:
        return None, verdict
    moment = issued_at or timezone.now()
    proposal = propose(application, calculation, automated=True, decision_date=timezone.localdate(moment))
    try:
        with transaction.atomic():
            decision = automated_draft(application, calculation, verdict, proposal)
            decision.save()
            DecisionLine.objects.bulk_create(
                [_line(decision, i, line) for i, line in enumerate(proposal.lines)]
            )
            decision.status = DecisionStatus.ISSUED
            decision.issued_at = moment
            decision.save()
            record_create(user=None, instance=decision, municipality_id=decision.municipality_id, fields=AUDIT_FIELDS)
            _set_application_decided(application, None)
            _store_letter(decision)
    except IntegrityError:
        existing = Decision.objects.filter(application=application, reconsiders__isnull=True).first()
        if existing is None:
            raise
        return existing, verdict
    return decision, verdict


def _store_letters_many(decisions: list[Decision], applications: list, lines: list[DecisionLine]) -> None:
    """Store the letters of decisions issued together (the letter is part of the decision): rendered
    from the objects in memory, inserted in one statement per 5 000 (no query per decision)."""
    from .letters import letters_to_store_many

    by_decision: dict[int, list[DecisionLine]] = {}
    for line in lines:
        by_decision.setdefault(line.decision_id, []).append(line)
    for decision, application in zip(decisions, applications, strict=True):
        decision.municipality = application.municipality
    insert_many(letters_to_store_many(decisions, by_decision))


def automated_draft(application, calculation, verdict, proposal) -> Decision:
    """The automated decision function's decision on ``application`` as an unsaved draft (the one
    place where its content is put together): a grant of ``proposal``'s amount, with the reasons, the
    legal basis, the delegation's conditions, the decision maker "automatiserad beslutsfunktion" and the
    report of every criterion checked. Raises DecisionError unless the verdict says automate and the
    proposal is a grant."""
    if not verdict.automate:
        raise DecisionError("Villkoren för ett automatiskt beslut är inte uppfyllda.")
    if proposal.outcome != Outcome.GRANTED:  # evaluate() checks it too; never automate anything but a grant
        raise DecisionError("Bara bifall kan beslutas automatiskt.")
    if any(line.item == REDUCTION_ITEM for line in proposal.lines) or (calculation.input_data or {}).get("reduction"):
        # A nedsättning (12 kap. 5 § SoL) is an individual assessment: never automated, whatever a verdict says.
        raise DecisionError("En nedsättning beslutas aldrig automatiskt.")
    delegation = verdict.delegation
    return Decision(
        municipality_id=application.municipality_id,
        application=application,
        household_id=application.household_id,
        month=application.month,
        outcome=Outcome.GRANTED,
        amount_ore=proposal.amount_ore,
        calculation=calculation,
        engine_version=calculation.engine_version,
        parameter_hash=calculation.parameter_hash,
        reasons=_join(proposal.reasons, _automation_paragraph(delegation, verdict)),
        legal_basis=proposal.legal_basis,
        conditions=delegation.conditions_text.strip(),
        decided_by=None,
        automated=True,
        delegation=delegation,
        automation_report=verdict.report(),
        decision_maker_label=automated_decision_maker_label(delegation)[:300],
        status=DecisionStatus.DRAFT,
        created_by=None,
    )


def decide_automatically_many(entries, *, issued_at: dt.datetime | None = None) -> list[Decision]:
    """:func:`decide_automatically` for many applications at once (the monthly run), after their
    verdicts were made: ``entries`` holds (application, calculation, verdict, proposal) where every
    verdict says automate. The decisions are inserted as drafts, their lines added and all issued by one
    UPDATE, with one audit event each; the applications are marked decided. Call it inside a
    transaction: an application decided at the same moment elsewhere makes the INSERT fail
    (IntegrityError, the one-decision-per-application constraint) and the transaction roll back."""
    from bistand.applications.services import set_status_many
    from bistand.audit.services import record_create_many

    entries = list(entries)
    if not entries:
        return []
    drafts = [automated_draft(application, calculation, verdict, proposal)
              for application, calculation, verdict, proposal in entries]
    insert_many(drafts)
    lines = [_line(decision, i, line) for decision, (_, _, _, proposal) in zip(drafts, entries, strict=True)
             for i, line in enumerate(proposal.lines)]
    insert_many(lines)
    moment = issued_at or timezone.now()
    ids = [d.pk for d in drafts]
    issued = 0
    for start in range(0, len(ids), 5000):
        issued += Decision.objects.filter(pk__in=ids[start:start + 5000]).issue_drafts(moment)
    if issued != len(ids):
        raise DecisionError("Besluten ändrades medan de fattades. Försök igen.")
    for decision in drafts:
        decision.status = DecisionStatus.ISSUED
        decision.issued_at = moment
        decision._loaded_status = DecisionStatus.ISSUED
    record_create_many(user=None, instances=drafts, fields=AUDIT_FIELDS)
    _store_letters_many(drafts, [application for application, *_ in entries], lines)
    set_status_many([application for application, *_ in entries], "decided", actor=None)
    return drafts



# --- the rådrum for rent above the ceiling (issue 17 §2) -------------------------------------------------

HOUSING_GRACE_AUDIT_FIELDS = ["household", "start_month", "end_month", "first_decision", "reason", "extended_by",
                              "extended_at"]


def record_housing_grace(decision: Decision, user) -> HousingGrace | None:
    """Store the household's rådrum when ``decision`` is the first issued decision that used one (its
    calculation counted the full rent above the ceiling, or the rådrum that began with an earlier decision):
    from then on the rådrum is the household's, and later months are calculated with it. Audited. Called
    when a decision is issued, in its transaction; does nothing when the household already has one."""
    period = grace_period(decision.calculation) if decision.calculation_id is not None else None
    if period is None or housing_grace_of(decision.household_id) is not None:
        return None
    grace = HousingGrace.objects.create(municipality_id=decision.municipality_id, household_id=decision.household_id,
                                        start_month=period[0], end_month=period[1], first_decision=decision)
    record_create(user=user, instance=grace, municipality_id=decision.municipality_id,
                  fields=HOUSING_GRACE_AUDIT_FIELDS)
    return grace


@transaction.atomic
def extend_housing_grace(application, *, actor, end_month: dt.date | None, reason: str,
                         generated: Iterable[str] = ()) -> HousingGrace:
    """The case worker extends the household's rådrum for rent above the ceiling to ``end_month`` with a
    reason of their own (required; never a generated text — ``generated``: the calculation's texts, which a
    reason may not merely repeat). Without a stored rådrum (the first month above the ceiling, not yet
    decided) the rådrum is stored now from its first month. The application becomes "handläggs"; the
    case worker calculates again so that the decision uses the new last month. Raises ValidationError
    naming the field; writes an audit event."""
    from bistand.applications import services as application_services

    check_can_act_in(actor, application.municipality_id)
    if application.status not in OPEN_STATUSES:
        raise ValidationError({"__all__": "Rådrummet kan bara förlängas medan ansökan handläggs (inte när den är "
                                          f"{application.get_status_display().lower()})."})
    stored = (HousingGrace.objects.select_for_update().filter(household_id=application.household_id).first())
    if stored is not None:
        start, current_end = stored.start_month, stored.end_month
    else:
        start = first_month_rent_above_ceiling(application.household_id) or application.month
        months = load_parameters(f"{application.month:%Y-%m}", application.municipality.code,
                                 getattr(settings, "BISTAND_LOCAL_PARAMETERS_DIR", None) or None
                                 ).housing_grace_months.value
        current_end = add_months(start, months - 1)
    errors: dict[str, str] = {}
    if end_month is None:
        errors["end_month"] = "Välj rådrummets nya sista månad."
    elif end_month <= current_end:
        errors["end_month"] = (f"Rådrummet gäller redan till och med {month_sv(current_end)}. Välj en senare månad "
                               "för att förlänga det.")
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = "Skriv ditt eget skäl till att rådrummet förlängs. Skälet står i beslutet."
    elif any(normalised(reason) == normalised(text) for text in generated if text):
        errors["reason"] = ("Texten är beräkningens förslag, inte ditt eget skäl. Skriv med egna ord varför rådrummet "
                            "förlängs.")
    if errors:
        raise ValidationError(errors)
    moment = timezone.now()
    if stored is None:
        stored = HousingGrace.objects.create(municipality_id=application.municipality_id,
                                             household_id=application.household_id, start_month=start,
                                             end_month=end_month, reason=reason, extended_by=actor,
                                             extended_at=moment)
        record_create(user=actor, instance=stored, municipality_id=application.municipality_id,
                      fields=HOUSING_GRACE_AUDIT_FIELDS)
    else:
        before = snapshot(stored, HOUSING_GRACE_AUDIT_FIELDS)
        stored.end_month, stored.reason, stored.extended_by, stored.extended_at = end_month, reason, actor, moment
        stored.save()
        record_change(user=actor, instance=stored, action="update", municipality_id=application.municipality_id,
                      changes=diff(before, snapshot(stored, HOUSING_GRACE_AUDIT_FIELDS)))
    if application.status == "submitted":
        application_services.set_status(application, "in_review", actor=actor)
    return stored
