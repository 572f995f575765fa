"""Swedish formatting of amounts for the apps: the law package's one kronor formatter, re-exported here so
that every app above the kernel imports it from the kernel (``bistand.rules.formatting`` has the rule)."""

from __future__ import annotations

from bistand.rules.formatting import KR_SUFFIX, MINUS, THOUSANDS_SEPARATOR, format_kronor

__all__ = ["KR_SUFFIX", "MINUS", "THOUSANDS_SEPARATOR", "format_kronor"]
