"""The SSBTEK plugin interface: incomes and benefits of one person for one month, by agency.

SSBTEK (Sammansatt bastjänst för ekonomiskt bistånd) answers one call per person and period with what
Arbetsförmedlingen, CSN, Försäkringskassan, Pensionsmyndigheten, Skatteverket and the unemployment
funds (a-kassorna) know (shared/reference/rules.md 6.1). A plugin turns that answer into
:class:`SsbtekFact` rows:

* an income or benefit is a fact with ``kind`` = the calculation contract's income type (``wage``,
  ``sickness_benefit``, ``student_aid`` …) and ``amount_ore`` = the amount for the month in öre, so that
  it can be compared with the declared incomes directly;
* a fact without an amount, such as Arbetsförmedlingen's registration (``kind`` ``registration``),
  has ``amount_ore`` None and its content in ``payload``.

Plugins are chosen by :mod:`bistand.common.plugins` (setting ``BISTAND_SSBTEK_PLUGIN``, default
``simulator``).
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

from bistand.common.plugins import Plugin

#: Agency codes (as in the SSBTEK answer) → Swedish name (marked: the e-service shows it in the applicant's language).
AGENCIES: dict[str, str] = {
    "af": gettext_noop("Arbetsförmedlingen"),
    "csn": gettext_noop("CSN"),
    "fk": gettext_noop("Försäkringskassan"),
    "pm": gettext_noop("Pensionsmyndigheten"),
    "skv": gettext_noop("Skatteverket"),
    "akassa": gettext_noop("Arbetslöshetskassan (a-kassan)"),
}

#: The fact kind of Arbetsförmedlingen's registration as a job seeker (no amount).
REGISTRATION = "registration"

#: Which agency reports each income type of the calculation contract. Types no register reports
#: (``other``) are missing: a declared income of such a type cannot be checked against a register.
AGENCY_OF_INCOME: dict[str, str] = {
    "wage": "skv",  # the employer's monthly declaration (arbetsgivardeklaration på individnivå)
    "tax_refund": "skv",
    "unemployment_benefit": "akassa",
    "sickness_benefit": "fk",
    "activity_compensation": "fk",
    "parental_benefit": "fk",
    "child_benefit": "fk",
    "housing_allowance": "fk",
    "maintenance_support": "fk",
    "establishment_allowance": "fk",  # decided by Arbetsförmedlingen, paid by Försäkringskassan
    "activity_support": "fk",
    "pension": "pm",
    "student_aid": "csn",
}

#: Swedish names of the fact kinds (incomes as in bistand.rules, plus the registration).
KIND_LABELS: dict[str, str] = {
    "wage": gettext_noop("Lön"),
    "tax_refund": gettext_noop("Skatteåterbäring"),
    "unemployment_benefit": gettext_noop("Ersättning från a-kassa"),
    "sickness_benefit": gettext_noop("Sjukpenning"),
    "activity_compensation": gettext_noop("Sjuk- eller aktivitetsersättning"),
    "parental_benefit": gettext_noop("Föräldrapenning"),
    "child_benefit": gettext_noop("Barnbidrag"),
    "housing_allowance": gettext_noop("Bostadsbidrag"),
    "maintenance_support": gettext_noop("Underhållsstöd"),
    "establishment_allowance": gettext_noop("Etableringsersättning"),
    "activity_support": gettext_noop("Aktivitetsstöd"),
    "pension": gettext_noop("Pension"),
    "student_aid": gettext_noop("Studiemedel"),
    "other": gettext_noop("Annan inkomst"),
    REGISTRATION: gettext_noop("Inskrivning som arbetssökande"),
}


class SsbtekError(Exception):
    """The register could not be asked (message in Swedish); nothing is stored."""


@dataclass(frozen=True)
class SsbtekFact:
    agency: str  # a key of AGENCIES
    kind: str  # an income type of the calculation contract, or REGISTRATION
    amount_ore: int | None  # the month's amount in öre; None for facts without an amount
    period: dt.date  # the first day of the month the fact is about
    payload: dict[str, Any] = field(default_factory=dict)  # the agency's details (JSON-friendly)

    def __post_init__(self) -> None:
        if self.agency not in AGENCIES:
            raise ValueError(f"unknown agency {self.agency!r}")
        if self.amount_ore is not None and not isinstance(self.amount_ore, int):
            raise TypeError("amount_ore must be an int (öre) or None")
        if self.period.day != 1:
            raise ValueError("period must be the first day of a month")


@dataclass(frozen=True)
class SsbtekResponse:
    """The answer for one person and one month. An empty ``facts`` list is an answer too: the registers
    know of no income or benefit that month."""

    period: dt.date
    facts: list[SsbtekFact]
    source: str  # the plugin's name


class SsbtekClient(Plugin, abc.ABC):
    """One SSBTEK plugin (see the module docstring). The registry sets ``name``, which is stored as the
    source of every fact the plugin gives."""

    @abc.abstractmethod
    def fetch(self, person, period: dt.date) -> SsbtekResponse:
        """What the registers know about ``person`` (a people.Person) for the month ``period`` (its
        first day). Raises :class:`SsbtekError` when the service cannot answer."""

    def fetch_many(self, persons, period: dt.date) -> dict[int, SsbtekResponse]:
        """person id → :meth:`fetch` for each of ``persons`` (the monthly run asks about many persons at
        once). This default asks one person after the other; a plugin that can answer many at once
        overrides it. Raises :class:`SsbtekError` when the service cannot answer."""
        return {person.pk: self.fetch(person, period) for person in persons}

