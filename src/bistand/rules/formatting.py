"""Amounts in Swedish, written one way everywhere: the project's one kronor formatter (pure Python, no Django).

The rule (issue 20):

- whole kronor without öre: ``"3 681 kr"``; öre only where there are any: ``"1 132,90 kr"``;
- the thousands are grouped by a no-break space (U+00A0, :data:`THOUSANDS_SEPARATOR`), and the same
  space stands before ``kr`` (:data:`KR_SUFFIX`), so an amount never breaks over two lines. U+00A0 and
  not the narrow U+202F: every font the project uses has it (the letters' DejaVu Sans and Liberation
  Sans, and every browser's system font), it is in Latin-1, and text extracted from the PDF letters gives
  it back unchanged;
- a negative amount starts with the minus sign U+2212 (:data:`MINUS`), ``"−250 kr"``, not the hyphen;
- the decimal comma, two öre digits.

The law package needs it for its warning and trace texts, so it lives here, in the lowest layer;
``bistand.common.formatting`` re-exports it for the apps, and the template filters ``ore_kronor`` and
``kronor`` (``bistand.calculations.templatetags.calculations_tags``) call it. Form fields show what people
type (``applications.declaration.format_amount``, without "kr"); that is input, not this.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

#: Groups the thousands and stands before "kr": a no-break space.
THOUSANDS_SEPARATOR = "\u00a0"
#: The minus sign of a negative amount (U+2212).
MINUS = "\u2212"
#: What follows the number.
KR_SUFFIX = THOUSANDS_SEPARATOR + "kr"


def _whole_ore(ore: int | Fraction | Decimal) -> int:
    """``ore`` rounded to a whole öre, halves away from zero (so that −x is written as x with a minus)."""
    if isinstance(ore, int):  # bool is an int too: not an amount
        if isinstance(ore, bool):
            raise TypeError("an amount in öre, not a bool")
        return ore
    if isinstance(ore, Decimal):
        if not ore.is_finite():
            raise ValueError(f"not an amount: {ore}")
        return int(ore.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(ore, Fraction):
        magnitude = int(abs(ore) + Fraction(1, 2))
        return -magnitude if ore < 0 else magnitude
    raise TypeError(f"an amount in öre (int, Fraction or Decimal), not {type(ore).__name__}")


def format_kronor(ore: int | Fraction | Decimal) -> str:
    """An amount in öre as Swedish text: ``368100`` → ``"3 681 kr"``, ``113290`` → ``"1 132,90 kr"``,
    ``-25000`` → ``"−250 kr"`` (no-break spaces; see the module docstring). A Fraction or Decimal of öre is
    rounded to the öre first, halves away from zero."""
    whole = _whole_ore(ore)
    kronor, rest = divmod(abs(whole), 100)
    text = f"{kronor:,}".replace(",", THOUSANDS_SEPARATOR)
    if rest:
        text = f"{text},{rest:02d}"
    return (MINUS if whole < 0 else "") + text + KR_SUFFIX


__all__ = ["KR_SUFFIX", "MINUS", "THOUSANDS_SEPARATOR", "format_kronor"]
