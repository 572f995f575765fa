"""The calculation page's presentation: Swedish labels, amounts and months, and a result ready for the
template (every amount formatted, totals marked)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bistand.common.formatting import format_kronor
from bistand.common.months import month_sv
from bistand.rules.calculate import COST_LABELS as RULES_COST_LABELS
from bistand.rules.calculate import INCOME_LABELS as RULES_INCOME_LABELS

# --- Swedish labels -----------------------------------------------------------------------------------

# The cost and income types with the Swedish names the trace lines use.
COST_LABELS = dict(RULES_COST_LABELS)
INCOME_LABELS = dict(RULES_INCOME_LABELS)
OUTCOME_LABELS = {
    "granted": "Rätt till försörjningsstöd",
    "refused": "Ingen rätt till försörjningsstöd – inkomsterna täcker behovet",
}
# The trace lines that are totals (shown in bold).
TOTAL_CODES = frozenset({"norm", "costs", "need", "income_counted", "income_disregarded", "amount"})

def kronor_text(amount: int | Decimal) -> str:
    """An amount in kronor of a calculation result (an int, or a Decimal with öre) in the one format
    (``bistand.common.formatting.format_kronor``): "5 220 kr", "−150,50 kr"."""
    return format_kronor(Decimal(amount) * 100)


def format_month(month: str) -> str:
    """'2026-03' → 'mars 2026'."""
    return month_sv(month)


# --- presenting a result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    code: str
    label: str
    amount: str
    reference: str
    is_total: bool


@dataclass(frozen=True)
class ResultView:
    """A calculation result ready for the template: every amount formatted in Swedish."""

    month: str
    month_label: str
    norm_year: int
    amount: str
    outcome: str
    outcome_label: str
    rows: tuple[TraceRow, ...]
    warnings: tuple[str, ...]
    engine_version: str
    parameter_hash: str


def present_result(result) -> ResultView:
    data = result.to_dict(trace=True)
    metadata = result.metadata()
    return ResultView(
        month=data["month"],
        month_label=format_month(data["month"]),
        norm_year=data["norm_year"],
        amount=kronor_text(data["amount"]),
        outcome=data["outcome"],
        outcome_label=OUTCOME_LABELS[data["outcome"]],
        rows=tuple(
            TraceRow(
                code=line["code"],
                label=line["label"],
                amount=kronor_text(line["amount"]),
                reference=line["reference"],
                is_total=line["code"] in TOTAL_CODES,
            )
            for line in data["lines"]
        ),
        warnings=tuple(data["warnings"]),
        engine_version=metadata["engine_version"],
        parameter_hash=metadata["parameter_hash"],
    )
