"""The anmälan list of delegated decisions as CSV (for the committee): the staff page's download and
``bistand delegation-report`` write the same file. No names of applicants and no personnummer."""

from __future__ import annotations

from django.utils import timezone

from .services import person_decision_maker_label

REPORT_HEADER = ["Nämnd", "Typ av beslut", "Beslut nummer", "Beslutsdatum", "Beslutsfattare", "Föredragande",
                 "Utfall", "Belopp (kr)", "Delegation (nämndens beslut)"]


def _kronor(ore: int) -> str:
    return f"{ore // 100},{ore % 100:02d}"


def write_report_csv(out, rows) -> None:
    """``rows`` (:func:`bistand.decisions.selectors.delegated_decisions`) as semicolon-separated CSV to ``out``."""
    import csv

    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(REPORT_HEADER)
    for r in rows:
        d = r.decision
        writer.writerow([r.committee, r.kind_label, d.pk, timezone.localdate(d.issued_at).isoformat(),
                         d.decision_maker_label,
                         person_decision_maker_label(d.presented_by) if d.presented_by_id else "",
                         d.get_outcome_display(), _kronor(d.amount_ore), d.person_delegation.reference])
