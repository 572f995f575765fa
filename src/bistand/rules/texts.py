"""Small Swedish texts of the law package that its labels and warnings share (pure Python)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction


def number_text(value: Fraction | int) -> str:
    """A divisor or a share such as 30 or 152/5 → '30' or '30,4'."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    return str(Decimal(value.numerator) / Decimal(value.denominator)).replace(".", ",")


def how_many(n: int, one: str = "person", many: str = "personer") -> str:
    """'1 person', '3 personer' (or another word in its singular and plural)."""
    return f"{n} {one if n == 1 else many}"


def composition(adults: int, children: int) -> str:
    """A household's composition: '1 vuxen och 2 barn', '2 vuxna och 1 barn'."""
    return f"{how_many(adults, 'vuxen', 'vuxna')} och {how_many(children, 'barn', 'barn')}"
