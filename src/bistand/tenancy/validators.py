"""Validation of organisation identifiers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

#: County codes (länskoder) in use since 1998. A kommunkod is the county code followed by two digits.
COUNTY_CODES: frozenset[str] = frozenset(
    {"01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20", "21",
     "22", "23", "24", "25"}
)

_KOMMUNKOD = re.compile(r"[0-9]{4}")


def validate_kommunkod(value: str) -> None:
    """A kommunkod is four digits: the county code (länskod) and the municipality's number, e.g. 0680."""
    if not isinstance(value, str) or not _KOMMUNKOD.fullmatch(value):
        raise ValidationError(
            "Kommunkoden ska vara fyra siffror, till exempel 0680 för Jönköping.", code="format"
        )
    if value[:2] not in COUNTY_CODES:
        raise ValidationError(
            "Kommunkoden %(code)s börjar inte med någon länskod som finns (01–25). Kontrollera koden.",
            code="county",
            params={"code": value},
        )
    if value[2:] == "00":
        raise ValidationError(
            "Kommunkoden %(code)s är en länskod, inte en kommunkod. Kontrollera koden.",
            code="county_only",
            params={"code": value},
        )
