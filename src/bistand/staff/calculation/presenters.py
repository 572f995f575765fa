"""The calculation page's presentation: Swedish labels, amounts and months, and a result ready for the
template (every amount formatted, totals marked)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

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

NBSP = "\u00a0"


def format_kronor(amount: Any, decimals: bool = True) -> str:
    """An amount in kronor, Swedish style: "5 220,00 kr" (non-breaking spaces), "−150,50 kr"."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    value = value.quantize(Decimal("0.01") if decimals else Decimal("1"), rounding=ROUND_HALF_UP)
    sign = "−" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = NBSP.join(groups)
    if decimals:
        text += "," + fraction
    return f"{sign}{text}{NBSP}kr"


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
        amount=format_kronor(data["amount"], decimals=False),
        outcome=data["outcome"],
        outcome_label=OUTCOME_LABELS[data["outcome"]],
        rows=tuple(
            TraceRow(
                code=line["code"],
                label=line["label"],
                amount=format_kronor(line["amount"]),
                reference=line["reference"],
                is_total=line["code"] in TOTAL_CODES,
            )
            for line in data["lines"]
        ),
        warnings=tuple(data["warnings"]),
        engine_version=metadata["engine_version"],
        parameter_hash=metadata["parameter_hash"],
    )
