"""Swedish formatting for the apps: the law package's one kronor formatter and its count-with-word helper
('1 utbetalning', '3 utbetalningar'), re-exported here so that every app above the kernel imports them from the
kernel (``bistand.rules.formatting`` and ``bistand.rules.texts`` have the rules)."""

from __future__ import annotations

from bistand.rules.formatting import KR_SUFFIX, MINUS, THOUSANDS_SEPARATOR, format_kronor
from bistand.rules.texts import how_many

__all__ = ["KR_SUFFIX", "MINUS", "THOUSANDS_SEPARATOR", "format_kronor", "how_many"]
