"""The calculation input: value types that mirror contract/calculation.schema.json exactly.

`decode_input(json_bytes)` and `convert_input(python_object)` turn input into a `CalculationInput` or raise
`CalculationInputError(field, message)` with a JSON path such as `household.children[1].age` and a plain
Swedish message. Amounts stay as given (an `int` or an exact `Decimal`) and are read in öre through the
`*_ore` properties; `validate_input` (called by both decoders) has already checked that they are
non-negative with at most two decimals.

What the JSON schema cannot say, and `validate_input` checks: at most two decimals in amounts, every
`member` names an adult or child of the household, member ids are unique, and `dwelling_size` is at least
the household's own size.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from bistand.rules.errors import CalculationInputError

# The schema's patterns with `\Z` instead of `$`: JSON Schema uses ECMA-262 regular expressions, where `$`
# does not match before a final newline as Python's `$` does ("2026-03\n" is not a month).
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])\Z"
MUNICIPALITY_PATTERN = r"^[0-9]{4}\Z"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"

Month = Annotated[str, Meta(pattern=MONTH_PATTERN)]
MemberId = Annotated[str, Meta(min_length=1)]

CostType = Literal[
    "rent",
    "household_electricity",
    "home_insurance",
    "work_travel",
    "union_fee",
    "unemployment_fund_fee",
    "childcare_fee",
    "medical_care",
    "medicine",
    "dental_care_acute",
    "glasses",
    "other",
]
IncomeType = Literal[
    "wage",
    "unemployment_benefit",
    "sickness_benefit",
    "activity_compensation",
    "parental_benefit",
    "pension",
    "child_benefit",
    "housing_allowance",
    "maintenance_support",
    "student_aid",
    "establishment_allowance",
    "activity_support",
    "tax_refund",
    "other",
]
#: Why a case worker sets the norm at a higher or a lower level (12 kap. 7 § tredje stycket SoL).
NormAdjustmentKind = Literal["special_diet", "school_meals", "food_in_care_fee", "disability", "other"]
NORM_ADJUSTMENT_KINDS: tuple[str, ...] = NormAdjustmentKind.__args__  # type: ignore[attr-defined]
COST_TYPES: tuple[str, ...] = CostType.__args__  # type: ignore[attr-defined]
INCOME_TYPES: tuple[str, ...] = IncomeType.__args__  # type: ignore[attr-defined]


def month_index(month: str) -> int:
    """'2026-03' → a month counter (year × 12 + month − 1), so that months can be compared and added."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(index: int) -> str:
    """The inverse of `month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def amount_to_ore(amount: int | Decimal) -> int:
    """A validated amount in kronor (int or Decimal with at most two decimals) → integer öre, exactly."""
    if isinstance(amount, int):
        return amount * 100
    sign, digits, exponent = amount.as_tuple()
    number = int("".join(map(str, digits)) or "0")
    assert isinstance(exponent, int)
    shift = exponent + 2
    if shift >= 0:
        ore = number * 10**shift
    else:
        divisor = 10 ** (-shift)
        ore, rest = divmod(number, divisor)
        if rest:
            raise ValueError("more than two decimals")
    return -ore if sign else ore


class Adult(Struct, forbid_unknown_fields=True):
    """The applicant, or the spouse or sambo. Two adults in a household are a cohabiting pair."""

    id: MemberId
    age: Annotated[int, Meta(ge=18, le=130)]
    consecutive_months_on_assistance: Annotated[int, Meta(ge=0)] | UnsetType = UNSET
    jobbstimulans_since: Month | None = None

    @property
    def months_on_assistance(self) -> int:
        """Months in a row before the month calculated with försörjningsstöd (0 when not given)."""
        return 0 if self.consecutive_months_on_assistance is UNSET else self.consecutive_months_on_assistance  # type: ignore[return-value]


#: From this age a young person counts as a child of the household only while in upper-secondary school.
SCHOOL_YOUTH_AGE = 18


class Child(Struct, forbid_unknown_fields=True):
    """A child or school youth under 21 whom the adults maintain. A young person aged 18–20 is a child of
    the household only while in upper-secondary school (gymnasieskola or similar basic education): only
    then are the parents liable to maintain them (föräldrabalken 7 kap. 1 §, SOSFS 2013:1); one who is not
    applies as their own household (an adult in hushållsgemenskap), and `validate_input` refuses them here."""

    id: MemberId
    age: Annotated[int, Meta(ge=0, le=20)]
    lunch_away_from_home: bool = False
    days_present: Annotated[int, Meta(ge=0, le=31)] | None = None
    # A JSON number ≥ 0 with at most two decimals (checked by validate_input); absent means 0.
    earnings_this_year_before_month: Any = UNSET
    # For a young person aged 18–20: attends upper-secondary school. Absent: not stated (counts as a child,
    # as the caller has put them among the children); false at 18–20: refused (see the class docstring).
    in_upper_secondary_school: bool | UnsetType = UNSET

    @property
    def counts_as_child(self) -> bool:
        """Under 18, or 18–20 and not declared to be out of upper-secondary school."""
        return self.age < SCHOOL_YOUTH_AGE or self.in_upper_secondary_school is not False

    @property
    def earnings_this_year_before_month_ore(self) -> int:
        if self.earnings_this_year_before_month is UNSET:
            return 0
        return amount_to_ore(self.earnings_this_year_before_month)


class Household(Struct, forbid_unknown_fields=True):
    adults: Annotated[list[Adult], Meta(min_length=1, max_length=2)]
    children: list[Child] = msgspec.field(default_factory=list)
    dwelling_size: Annotated[int, Meta(ge=1)] | None = None

    @property
    def size(self) -> int:
        """Number of members: adults plus children (children present part of the month count fully)."""
        return len(self.adults) + len(self.children)


class Cost(Struct, forbid_unknown_fields=True):
    """A reasonable cost outside the norm, kronor per month."""

    type: CostType
    amount: Any  # a JSON number ≥ 0 with at most two decimals (checked by validate_input)
    note: str | UnsetType = UNSET

    @property
    def amount_ore(self) -> int:
        return amount_to_ore(self.amount)


class Income(Struct, forbid_unknown_fields=True):
    """An income of a household member, kronor per month net of preliminary tax."""

    type: IncomeType
    amount: Any  # a JSON number ≥ 0 with at most two decimals (checked by validate_input)
    member: str | UnsetType = UNSET
    note: str | UnsetType = UNSET

    @property
    def amount_ore(self) -> int:
        return amount_to_ore(self.amount)

    @property
    def member_id(self) -> str | None:
        return None if self.member is UNSET else self.member  # type: ignore[return-value]


class NormAdjustment(Struct, forbid_unknown_fields=True):
    """The case worker's higher or lower level of the norm (12 kap. 7 § tredje stycket SoL), kronor per
    month, with the case worker's own reason (required; never a generated text)."""

    direction: Literal["higher", "lower"]
    kind: NormAdjustmentKind
    amount: Any  # a JSON number > 0 with at most two decimals (checked by validate_input)
    reason: str
    member: str | UnsetType = UNSET

    @property
    def amount_ore(self) -> int:
        return amount_to_ore(self.amount)

    @property
    def signed_ore(self) -> int:
        """The change of the norm in öre: positive for a higher level, negative for a lower one."""
        return self.amount_ore if self.direction == "higher" else -self.amount_ore

    @property
    def member_id(self) -> str | None:
        return None if self.member is UNSET else self.member  # type: ignore[return-value]


class Reduction(Struct, forbid_unknown_fields=True):
    """Nedsättning (12 kap. 5 § SoL (2025:400); 4 kap. 5 § SoL (2001:453)): the case worker reduces — or
    refuses — the norm part because the applicant, without an acceptable reason, did not follow the plan's
    requirement (refused reasonable work, praktik or another activity). The law sets no amount: the case
    worker states what the norm part is reduced *to* (kronor per month, 0 = refused), between 0 and the
    norm; the reason (the case worker's own, never generated) and the plan requirement not met are
    required. Never automated."""

    norm_amount: Any  # a JSON number ≥ 0 with at most two decimals (checked by validate_input)
    reason: str
    requirement: str

    @property
    def norm_amount_ore(self) -> int:
        return amount_to_ore(self.norm_amount)


class HousingGrace(Struct, forbid_unknown_fields=True):
    """The rådrum for rent above the municipality's ceiling (12 kap. 7 § första stycket 2 SoL (2025:400);
    4 kap. 3 § första stycket 2 SoL (2001:453)): the first time the rent is above the ceiling, the full rent
    counts from `start` through `end` so that the household has time to lower its housing cost; after `end`
    only the ceiling counts. `end` absent → `start` + the municipality's `housing_grace_months` − 1. `reason`:
    the case worker's own reason for extending the rådrum (never a generated text); shown in the trace."""

    start: Month
    end: Month | UnsetType = UNSET
    reason: str | UnsetType = UNSET

    @property
    def end_month(self) -> str | None:
        return None if self.end is UNSET else self.end  # type: ignore[return-value]

    @property
    def reason_text(self) -> str:
        return "" if self.reason is UNSET else " ".join(str(self.reason).split())


class CalculationInput(Struct, forbid_unknown_fields=True):
    """One household's försörjningsstöd calculation for one month."""

    month: Month
    household: Household
    municipality: Annotated[str, Meta(pattern=MUNICIPALITY_PATTERN)] | UnsetType = UNSET
    costs: list[Cost] = msgspec.field(default_factory=list)
    incomes: list[Income] = msgspec.field(default_factory=list)
    # The day the decision is made: it chooses the law cited (never an amount). Absent → the first day of
    # `month`. Last, so that the fields before it keep their places.
    decision_date: Annotated[str, Meta(pattern=DATE_PATTERN)] | UnsetType = UNSET
    # The case worker's higher or lower norm levels (12 kap. 7 § tredje stycket SoL); absent → none.
    norm_adjustments: list[NormAdjustment] = msgspec.field(default_factory=list)
    # The case worker's nedsättning of the norm part (12 kap. 5 § SoL); absent → none.
    reduction: Reduction | None = None
    # The rådrum for rent above the ceiling (the household's first month above it and the last month the full
    # rent counts); absent → none: the ceiling applies.
    housing_grace: HousingGrace | None = None

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def month_number(self) -> int:
        return int(self.month[5:7])

    @property
    def municipality_code(self) -> str | None:
        return None if self.municipality is UNSET else self.municipality  # type: ignore[return-value]

    @property
    def decision_day(self) -> dt.date:
        """The decision date, or the first day of the month when none is given."""
        if self.decision_date is UNSET:
            return dt.date(self.year, self.month_number, 1)
        return dt.date.fromisoformat(self.decision_date)  # type: ignore[arg-type]


# --- decoding -----------------------------------------------------------------------------------------

INPUT_DECODER = msgspec.json.Decoder(CalculationInput, strict=True, float_hook=Decimal)

_TYPE_NAMES = {
    "int": "ett heltal",
    "str": "en text",
    "object": "ett objekt",
    "array": "en lista",
    "bool": "true eller false",
    "null": "null",
    "float": "ett decimaltal",
    "decimal": "ett tal",
    "int | null": "ett heltal eller null",
    "str | null": "en text eller null",
}
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.S)


def _json_path(path: str | None) -> str:
    if not path or path == "$":
        return ""
    return path[2:] if path.startswith("$.") else path.lstrip("$")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _last_name(path: str) -> str:
    return re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1]


def _swedish(message: str, path: str) -> tuple[str, str]:
    """Translate one msgspec validation message into (field, Swedish message)."""
    if m := re.match(r"Object missing required field `(.+)`$", message):
        return _join(path, m[1]), "Fältet saknas men måste finnas med."
    if m := re.match(r"Object contains unknown field `(.+)`$", message):
        return _join(path, m[1]), "Fältet är okänt. Ta bort det eller kontrollera stavningen."
    if m := re.match(r"Invalid enum value (.+)$", message):
        if path.startswith("norm_adjustments"):
            allowed = NORM_ADJUSTMENT_KINDS if path.endswith("kind") else ("higher", "lower")
        else:
            allowed = COST_TYPES if path.startswith("costs") else INCOME_TYPES
        return path, f"Typen {m[1]} finns inte. Tillåtna typer: {', '.join(allowed)}."
    if re.match(r"Expected `str` matching regex", message):
        name = _last_name(path)
        if name == "municipality":
            return path, "Kommunkoden ska vara fyra siffror, till exempel 0680."
        if name == "decision_date":
            return path, "Beslutsdagen ska skrivas ÅÅÅÅ-MM-DD, till exempel 2027-01-05."
        return path, "Månaden ska skrivas ÅÅÅÅ-MM, till exempel 2026-03."
    if m := re.match(r"Expected `(?:str|array)` of length >= (\d+)$", message):
        if message.startswith("Expected `str`"):
            return path, "Fältet får inte vara tomt."
        if _last_name(path) == "adults":
            return path, "Hushållet måste ha minst en vuxen."
        return path, f"Listan måste ha minst {m[1]} poster."
    if m := re.match(r"Expected `array` of length <= (\d+)$", message):
        if _last_name(path) == "adults":
            return path, "Hushållet kan ha högst två vuxna (sökande och make, maka eller sambo)."
        return path, f"Listan får ha högst {m[1]} poster."
    if m := re.match(r"Expected `[a-z]+` >= (-?\d+)$", message):
        return path, f"Värdet måste vara minst {m[1]}."
    if m := re.match(r"Expected `[a-z]+` <= (-?\d+)$", message):
        return path, f"Värdet får vara högst {m[1]}."
    if m := re.match(r"Expected `([^`]+)`, got `([^`]+)`$", message):
        expected = _TYPE_NAMES.get(m[1], m[1])
        got = _TYPE_NAMES.get(m[2], m[2])
        return path, f"Värdet ska vara {expected}, men är {got}."
    return path, f"Ogiltigt värde ({message})."


def _from_msgspec(exc: Exception, index: int | None) -> CalculationInputError:
    text = str(exc)
    if isinstance(exc, msgspec.DecodeError) and not isinstance(exc, msgspec.ValidationError):
        return CalculationInputError("", f"Indata är inte giltig JSON ({text}).", index)
    m = _AT.match(text)
    assert m is not None
    field, message = _swedish(m["msg"], _json_path(m["path"]))
    return CalculationInputError(field, message, index)


def decode_input(data: bytes | str, index: int | None = None) -> CalculationInput:
    """Decode one household's JSON document and validate it completely."""
    try:
        value = INPUT_DECODER.decode(data)
    except msgspec.DecodeError as exc:  # ValidationError is a subclass
        raise _from_msgspec(exc, index) from None
    except UnicodeDecodeError:  # msgspec checks the UTF-8 of every string it decodes
        raise CalculationInputError(
            "", "Indata är inte giltig JSON: en text innehåller tecken som inte är kodade i UTF-8.", index
        ) from None
    validate_input(value, index)
    return value


def convert_input(obj: Any, index: int | None = None) -> CalculationInput:
    """Convert an already parsed JSON object (dicts, lists, str, int, Decimal or float) and validate it.
    Floats are read through their shortest decimal representation (0.1 → Decimal('0.1'))."""
    if isinstance(obj, CalculationInput):
        validate_input(obj, index)
        return obj
    try:
        value = msgspec.convert(obj, CalculationInput, strict=True)
    except msgspec.ValidationError as exc:
        raise _from_msgspec(exc, index) from None
    validate_input(value, index)
    return value


def parse_input(data: Any, index: int | None = None) -> CalculationInput:
    """`decode_input` for bytes/str, `convert_input` for anything else."""
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        return decode_input(bytes(data) if not isinstance(data, str) else data, index)
    return convert_input(data, index)


def _checked_amount(value: Any, field: str, index: int | None) -> int | Decimal:
    """Check a JSON number for an amount and return it as int or exact Decimal."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
        got = "null" if value is None else ("en text" if isinstance(value, str) else type(value).__name__)
        if isinstance(value, bool):
            got = "true eller false"
        elif isinstance(value, (list, tuple)):
            got = "en lista"
        elif isinstance(value, dict):
            got = "ett objekt"
        raise CalculationInputError(field, f"Värdet ska vara ett belopp i kronor (ett tal), men är {got}.", index)
    if isinstance(value, float):
        value = Decimal(repr(value))  # shortest representation: exactly what was written
    if isinstance(value, Decimal) and not value.is_finite():
        raise CalculationInputError(field, "Värdet ska vara ett belopp i kronor (ett tal).", index)
    if value < 0:
        raise CalculationInputError(field, "Beloppet får inte vara negativt.", index)
    try:
        amount_to_ore(value)
    except ValueError:
        raise CalculationInputError(
            field, "Beloppet får ha högst två decimaler (hela ören).", index
        ) from None
    return value


def validate_input(value: CalculationInput, index: int | None = None) -> None:
    """The checks the JSON schema cannot express (see the module docstring), plus the amount checks.

    Normalises amounts in place to `int` or exact `Decimal`."""
    if value.decision_date is not UNSET:
        try:
            dt.date.fromisoformat(value.decision_date)  # type: ignore[arg-type]
        except ValueError:
            raise CalculationInputError(
                "decision_date", f"Beslutsdagen {value.decision_date} finns inte i kalendern.", index
            ) from None
    household = value.household
    ids: set[str] = set()
    for group, members in (("adults", household.adults), ("children", household.children)):
        for i, member in enumerate(members):
            if member.id in ids:
                raise CalculationInputError(
                    f"household.{group}[{i}].id",
                    f"Id {member.id!r} används redan av en annan person i hushållet. Varje person ska ha ett eget id.",
                    index,
                )
            ids.add(member.id)
    for i, child in enumerate(household.children):
        if not child.counts_as_child:
            raise CalculationInputError(
                f"household.children[{i}].in_upper_secondary_school",
                f"{child.id} är {child.age} år och går inte i gymnasieskolan. Då räknas hen inte som barn i "
                "hushållet utan som vuxen med ett eget hushåll (egen ansökan). Ta bort hen från barnen och räkna "
                "hen i bostaden (dwelling_size).",
                index,
            )
        if child.earnings_this_year_before_month is not UNSET:
            child.earnings_this_year_before_month = _checked_amount(
                child.earnings_this_year_before_month,
                f"household.children[{i}].earnings_this_year_before_month",
                index,
            )
    size = household.size
    if household.dwelling_size is not None and household.dwelling_size < size:
        raise CalculationInputError(
            "household.dwelling_size",
            f"Antalet personer i bostaden ({household.dwelling_size}) kan inte vara färre än hushållets "
            f"egna medlemmar ({size}).",
            index,
        )
    for i, cost in enumerate(value.costs):
        cost.amount = _checked_amount(cost.amount, f"costs[{i}].amount", index)
    for i, income in enumerate(value.incomes):
        income.amount = _checked_amount(income.amount, f"incomes[{i}].amount", index)
        member = income.member_id
        if member is None:
            if income.type == "wage":
                raise CalculationInputError(
                    f"incomes[{i}].member",
                    "Lön måste ha en mottagare: ange id för den vuxna eller det barn som har lönen.",
                    index,
                )
        elif member not in ids:
            raise CalculationInputError(
                f"incomes[{i}].member",
                f"Det finns ingen person med id {member!r} i hushållet.",
                index,
            )
    if value.reduction is not None:
        reduction = value.reduction
        reduction.norm_amount = _checked_amount(reduction.norm_amount, "reduction.norm_amount", index)
        if not reduction.reason.strip():
            raise CalculationInputError("reduction.reason", "Skälet till nedsättningen saknas. Skriv varför "
                                        "försörjningsstödet sätts ned eller vägras.", index)
        if not reduction.requirement.strip():
            raise CalculationInputError("reduction.requirement", "Kravet i planeringen som inte följts saknas. "
                                        "Ange vilket krav nedsättningen gäller.", index)
    grace = value.housing_grace
    if grace is not None:
        if grace.end_month is not None and month_index(grace.end_month) < month_index(grace.start):
            raise CalculationInputError("housing_grace.end", f"Rådrummets sista månad ({grace.end_month}) kan inte "
                                        f"vara före dess första ({grace.start}).", index)
        if grace.reason is not UNSET and not grace.reason_text:
            raise CalculationInputError("housing_grace.reason", "Skälet till att rådrummet förlängs är tomt. Skriv "
                                        "handläggarens eget skäl eller ta bort fältet.", index)
    for i, adjustment in enumerate(value.norm_adjustments):
        field = f"norm_adjustments[{i}]"
        adjustment.amount = _checked_amount(adjustment.amount, f"{field}.amount", index)
        if adjustment.amount == 0:
            raise CalculationInputError(f"{field}.amount", "Beloppet som normen höjs eller sänks med måste vara "
                                        "större än 0 kr.", index)
        if not adjustment.reason.strip():
            raise CalculationInputError(f"{field}.reason", "Skälet saknas. Skriv varför normen sätts till en "
                                        "högre eller lägre nivå.", index)
        if adjustment.member_id is not None and adjustment.member_id not in ids:
            raise CalculationInputError(f"{field}.member",
                                        f"Det finns ingen person med id {adjustment.member_id!r} i hushållet.", index)
