"""Whole kronor on the what-if page (the law package's one formatter, "12 345 kr", "−518 kr")."""

from django import template

from bistand.rules.parameters import format_kronor

register = template.Library()


@register.filter
def kr(value) -> str:
    return format_kronor(int(value) * 100)
