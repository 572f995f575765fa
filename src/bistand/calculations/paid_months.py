"""Which earlier months count as months *with försörjningsstöd paid* — the months that count toward
jobbstimulans (12 kap. 8 § SoL 2025:400; 4 kap. 1 b § SoL 2001:453) and ``consecutive_months_on_assistance``.

What counts as paid (decided here, documented in docs/rules/catalogue.md):

* a month in which a decision of the system for the person's household was paid out: its payment was
  approved and put into a bank file (status *exported* or *executed*), and neither stopped (*cancelled*)
  nor returned by the bank (*rejected*);
* a month of imported history (``bistand import-history``) in which the person was applicant or
  co-applicant of a household with an amount above zero.

A trial calculation, a stored calculation whose decision was a refusal, a decision that was never paid,
and a cancelled payment do **not** count. Only months in the household's own municipality count.

The records of payments and imported history live in apps above this one (payments, followup); the app
that reads them registers its reader here in its ``AppConfig.ready()`` (followup does). Without one,
:func:`paid_months` fails loudly rather than count nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping

#: (municipality id, person ids, before month) → person id (as text) → months with försörjningsstöd paid.
PaidMonthsSource = Callable[[int, Collection[str], dt.date], Mapping[str, frozenset[dt.date]]]

_source: PaidMonthsSource | None = None


def register_paid_months_source(source: PaidMonthsSource) -> None:
    """Register the reader of paid months (called once, from an AppConfig.ready())."""
    global _source
    _source = source


def paid_months(municipality_id: int, person_ids: Collection[str], before: dt.date) -> dict[str, frozenset[dt.date]]:
    """person id (text) → the months before ``before`` with försörjningsstöd paid to the person's household
    in ``municipality_id`` (see the module docstring). Every asked person is in the answer."""
    if _source is None:
        raise RuntimeError("No reader of paid months is registered (bistand.followup registers it in its ready()).")
    ids = [str(person_id) for person_id in person_ids]
    found = _source(municipality_id, ids, before) if ids else {}
    return {person_id: frozenset(found.get(person_id, frozenset())) for person_id in ids}
