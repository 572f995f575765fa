"""Template filters for showing stored calculations: amounts in kronor and months in Swedish."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from bistand.common import months
from bistand.rules.parameters import format_kronor

register = template.Library()

@register.filter
def ore_kronor(ore) -> str:
    """Integer öre → "12 345 kr" (or "12 345,50 kr")."""
    if ore is None or ore == "":
        return ""
    return format_kronor(int(ore))


@register.filter
def kronor(amount) -> str:
    """An amount in kronor from a stored result (int or Decimal) → "12 345 kr" / "1 234,56 kr"."""
    if amount is None or amount == "":
        return ""
    try:
        ore = Decimal(str(amount)) * 100
    except InvalidOperation:
        return str(amount)
    if ore != ore.to_integral_value():
        return str(amount)
    return format_kronor(int(ore))


@register.filter
def month_sv(month) -> str:
    """A month (date, or "YYYY-MM") → "november 2026"."""
    return months.month_sv(month)
