"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

Pure Python, no Django. The forms accepted are

* 12 digits, ``YYYYMMDDNNNC`` or ``YYYYMMDD-NNNC``;
* 10 digits, ``YYMMDDNNNC``, ``YYMMDD-NNNC`` or ``YYMMDD+NNNC``. The century is deduced from today's
  date: the person was born on or before today and is under 100 years old, unless the separator is
  ``+`` (used from the year a person turns 100), which adds a hundred years.

``NNN`` is the birth number (födelsenummer) and ``C`` the check digit: the Luhn (mod 10) digit over
the nine digits ``YYMMDDNNN``. A samordningsnummer is written with 60 added to the day of birth
(day 61–91). Numbers are stored normalised as 12 digits (``YYYYMMDDNNNC``; day + 60 kept for a
samordningsnummer).

Skatteverket keeps the birth numbers 980–999 for test numbers (testpersonnummer); demo data and tests
use only those (:func:`test_numbers`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bistand.common.months import month_name

__all__ = [
    "Personnummer",
    "PersonnummerError",
    "PERSONNUMMER",
    "SAMORDNINGSNUMMER",
    "TEST_BIRTH_NUMBERS",
    "parse",
    "normalise",
    "is_valid",
    "is_test_number",
    "luhn_check_digit",
    "test_numbers",
    "test_number",
]

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
COORDINATION_DAY_OFFSET = 60
TEST_BIRTH_NUMBERS = range(980, 1000)
MAX_AGE_YEARS = 130

_FORM = re.compile(r"(?P<century>[0-9]{2})?(?P<date>[0-9]{6})(?P<sep>[-+]?)(?P<tail>[0-9]{4})")


class PersonnummerError(ValueError):
    """The number is not a valid personnummer or samordningsnummer. ``message`` is plain Swedish for
    the person who typed it; ``code`` is one of ``empty``, ``format``, ``plus_with_century``,
    ``month``, ``day``, ``future``, ``too_old``, ``checksum``."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def luhn_check_digit(digits: str) -> int:
    """The Luhn (mod 10) check digit for ``digits`` (for a personnummer: the nine digits YYMMDDNNN)."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


@dataclass(frozen=True, order=True)
class Personnummer:
    """A valid personnummer or samordningsnummer. ``birth_date`` is the real date of birth (for a
    samordningsnummer without the 60 added to the day)."""

    birth_date: dt.date
    birth_number: int
    coordination: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.birth_number <= 999:
            raise ValueError("birth_number must be between 0 and 999")

    @property
    def kind(self) -> str:
        return SAMORDNINGSNUMMER if self.coordination else PERSONNUMMER

    @property
    def _day_digits(self) -> str:
        day = self.birth_date.day + (COORDINATION_DAY_OFFSET if self.coordination else 0)
        return f"{day:02d}"

    @property
    def check_digit(self) -> int:
        d = self.birth_date
        return luhn_check_digit(f"{d.year % 100:02d}{d.month:02d}{self._day_digits}{self.birth_number:03d}")

    @property
    def normalised(self) -> str:
        """The 12-digit form without separator, YYYYMMDDNNNC: how numbers are stored."""
        d = self.birth_date
        return f"{d.year:04d}{d.month:02d}{self._day_digits}{self.birth_number:03d}{self.check_digit}"

    @property
    def formatted(self) -> str:
        """The 12-digit form with a hyphen, YYYYMMDD-NNNC: how numbers are shown."""
        value = self.normalised
        return f"{value[:8]}-{value[8:]}"

    def ten_digit(self, today: dt.date | None = None) -> str:
        """The 10-digit form, YYMMDD-NNNC, with ``+`` instead of ``-`` once the person has turned 100."""
        separator = "+" if self.age(today) >= 100 else "-"
        value = self.normalised
        return f"{value[2:8]}{separator}{value[8:]}"

    def age(self, today: dt.date | None = None) -> int:
        """Age in whole years on ``today`` (default: the current date)."""
        today = today or dt.date.today()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def is_test_number(self) -> bool:
        """True when the birth number is in Skatteverket's test series (980–999)."""
        return self.birth_number in TEST_BIRTH_NUMBERS

    def __str__(self) -> str:
        return self.formatted


def _digits_in(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def parse(value: str, *, today: dt.date | None = None) -> Personnummer:
    """Parse and validate a personnummer or samordningsnummer in any of the accepted forms.

    Raises :class:`PersonnummerError` with a Swedish message saying what is wrong.
    """
    today = today or dt.date.today()
    if value is None or not str(value).strip():
        raise PersonnummerError("Skriv ett personnummer eller samordningsnummer.", "empty")
    text = re.sub(r"\s+", "", str(value))
    match = _FORM.fullmatch(text)
    if match is None:
        if re.fullmatch(r"[0-9+-]+", text) and _digits_in(text) not in (10, 12):
            raise PersonnummerError(
                f"Numret har {_digits_in(text)} siffror. Skriv det med 12 siffror (ÅÅÅÅMMDD-NNNN) "
                "eller 10 siffror (ÅÅMMDD-NNNN).",
                "format",
            )
        raise PersonnummerError(
            "Skriv numret med 12 siffror (ÅÅÅÅMMDD-NNNN) eller 10 siffror (ÅÅMMDD-NNNN). "
            "Bara siffror och ett bindestreck eller plustecken före de fyra sista siffrorna.",
            "format",
        )
    century, date_part, separator, tail = match.group("century", "date", "sep", "tail")
    yy, month, day_digits = int(date_part[0:2]), int(date_part[2:4]), int(date_part[4:6])
    coordination = day_digits > COORDINATION_DAY_OFFSET
    day = day_digits - COORDINATION_DAY_OFFSET if coordination else day_digits

    if century is not None:
        if separator == "+":
            raise PersonnummerError(
                "Plustecken används bara i den tiosiffriga formen (ÅÅMMDD+NNNN) för den som fyllt 100 år. "
                "Skriv ett bindestreck i den tolvsiffriga formen.",
                "plus_with_century",
            )
        year = int(century) * 100 + yy
    else:
        year = today.year - ((today.year - yy) % 100)
        if year == today.year and (month, day) > (today.month, today.day):
            year -= 100
        if separator == "+":
            year -= 100

    if year < today.year - MAX_AGE_YEARS - 1:  # certainly too old (and year 0 is no date at all)
        raise PersonnummerError(
            f"Året {year:04d} ger en ålder över {MAX_AGE_YEARS} år. Kontrollera årtalet.", "too_old"
        )
    if not 1 <= month <= 12:
        raise PersonnummerError(
            f"Månaden {month:02d} finns inte. Kontrollera födelsedatumet i numret (ÅÅMMDD).", "month"
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        if 32 <= day_digits <= 60 or day_digits == 0:
            message = (
                f"Dagen {day_digits:02d} finns inte. Ett personnummer har dag 01–31 och ett "
                "samordningsnummer dag 61–91."
            )
        else:
            kind = "samordningsnumret" if coordination else "personnumret"
            message = (
                f"Det finns ingen {day}:e {month_name(month)} {year}. Kontrollera födelsedatumet i {kind}."
            )
        raise PersonnummerError(message, "day")
    birth_date = dt.date(year, month, day)
    if birth_date > today:
        raise PersonnummerError(
            f"Födelsedatumet {birth_date.isoformat()} har inte kommit än. Kontrollera årtalet.", "future"
        )
    number = Personnummer(birth_date=birth_date, birth_number=int(tail[:3]), coordination=coordination)
    if number.age(today) > MAX_AGE_YEARS:
        raise PersonnummerError(
            f"Födelsedatumet {birth_date.isoformat()} ger en ålder över {MAX_AGE_YEARS} år. Kontrollera årtalet "
            "och tecknet före de fyra sista siffrorna (plustecken bara för den som fyllt 100).",
            "too_old",
        )
    if int(tail[3]) != number.check_digit:
        raise PersonnummerError(
            "Kontrollsiffran (den sista siffran) stämmer inte. Kontrollera att alla siffror är rätt skrivna.",
            "checksum",
        )
    return number


def normalise(value: str, *, today: dt.date | None = None) -> str:
    """The 12-digit stored form (YYYYMMDDNNNC) of a valid number; raises PersonnummerError otherwise."""
    return parse(value, today=today).normalised


def is_valid(value: str, *, today: dt.date | None = None) -> bool:
    try:
        parse(value, today=today)
    except PersonnummerError:
        return False
    return True


def is_test_number(value: str | Personnummer, *, today: dt.date | None = None) -> bool:
    """True when ``value`` is a valid number whose birth number is in Skatteverket's test series
    (980–999). Invalid numbers are not test numbers."""
    if isinstance(value, Personnummer):
        return value.is_test_number
    try:
        return parse(value, today=today).is_test_number
    except PersonnummerError:
        return False


def test_numbers(birth_date: dt.date, *, coordination: bool = False) -> list[Personnummer]:
    """Every test number (birth numbers 980–999, correct check digit) for ``birth_date``."""
    return [Personnummer(birth_date, n, coordination) for n in TEST_BIRTH_NUMBERS]


def test_number(birth_date: dt.date, index: int = 0, *, coordination: bool = False) -> Personnummer:
    """The ``index``-th (0–19) test number for ``birth_date``."""
    if not 0 <= index < len(TEST_BIRTH_NUMBERS):
        raise ValueError(f"index must be 0–{len(TEST_BIRTH_NUMBERS) - 1}")
    return Personnummer(birth_date, TEST_BIRTH_NUMBERS[index], coordination)


# pytest would otherwise try to collect these two as tests when they are imported into a test module.
test_numbers.__test__ = False  # type: ignore[attr-defined]
test_number.__test__ = False  # type: ignore[attr-defined]
