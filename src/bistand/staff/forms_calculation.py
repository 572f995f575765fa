"""The "try a calculation" page: a form for one household, its costs and incomes.

The page is one Django form (month, municipality, dwelling size) and four formsets (adults, children,
costs, incomes). Rows are added and removed on the server (submit buttons named ``action``), so the
page works without JavaScript; with htmx only the page body is swapped.

The form turns what the case worker typed into the JSON document of calculation.schema.json and gives
it to the rules package's own decoder, exactly like the API and the CLI do. When the decoder refuses the
input, the JSON path of its error (``household.children[1].age``) is mapped back to the form field that
holds the value, so the message appears at that field and in the error summary.

Nothing on the page is stored: it holds no personal data, only ages and amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import msgspec
import yaml
from django import forms
from django.conf import settings
from django.utils import timezone

from bistand.common.months import month_sv
from bistand.rules import CalculationInputError, decode_input
from bistand.rules.calculate import COST_LABELS as RULES_COST_LABELS
from bistand.rules.calculate import INCOME_LABELS as RULES_INCOME_LABELS
from bistand.rules.calculate import calculate
from bistand.rules.limits import check_business_limits
from bistand.rules.parameters import PARAMETERS_DIR

# --- the rules package -------------------------------------------------------------------------------


def municipalities() -> list[tuple[str, str]]:
    """(kommunkod, name) of every municipality with a local parameter file, packaged or in
    settings.BISTAND_LOCAL_PARAMETERS_DIR, sorted by name."""
    return list(_municipalities(settings.BISTAND_LOCAL_PARAMETERS_DIR))


@lru_cache(maxsize=4)
def _municipalities(extra_dir: str | None) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for directory in (PARAMETERS_DIR / "local", Path(extra_dir) if extra_dir else None):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("[0-9][0-9][0-9][0-9].yaml")):
            with path.open(encoding="utf-8") as handle:
                data = yaml.safe_load(handle) or {}
            found[path.stem] = str(data.get("name") or f"Kommun {path.stem}")
    return tuple(sorted(found.items(), key=lambda item: (item[1], item[0])))


def run_calculation(value):
    return calculate(value, local_dir=settings.BISTAND_LOCAL_PARAMETERS_DIR)


# --- Swedish labels -----------------------------------------------------------------------------------

# The cost and income types with the Swedish names the trace lines use.
COST_LABELS = dict(RULES_COST_LABELS)
INCOME_LABELS = dict(RULES_INCOME_LABELS)
OUTCOME_LABELS = {
    "granted": "Rätt till försörjningsstöd",
    "refused": "Ingen rätt till försörjningsstöd – inkomsterna täcker behovet",
}
# The trace lines that are totals (shown in bold).
TOTAL_CODES = frozenset({"norm", "costs", "need", "income_counted", "income_disregarded", "amount"})

NBSP = "\u00a0"


def format_kronor(amount: Any, decimals: bool = True) -> str:
    """An amount in kronor, Swedish style: "5 220,00 kr" (non-breaking spaces), "−150,50 kr"."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    value = value.quantize(Decimal("0.01") if decimals else Decimal("1"), rounding=ROUND_HALF_UP)
    sign = "−" if value < 0 else ""
    whole, _, fraction = f"{abs(value):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = NBSP.join(groups)
    if decimals:
        text += "," + fraction
    return f"{sign}{text}{NBSP}kr"


def format_month(month: str) -> str:
    """'2026-03' → 'mars 2026'."""
    return month_sv(month)


# --- fields -------------------------------------------------------------------------------------------


class KronorField(forms.DecimalField):
    """An amount in kronor as people write it: "5220", "5 220,50" or "5220.50".

    Only the form of the number is checked here; whether the amount is allowed (not negative, at most
    two decimals) is decided by the rules package's decoder, so the messages are the same as in the API.
    """

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12})
    default_error_messages = {"invalid": "Skriv beloppet med siffror, till exempel 5 220 eller 5 220,50."}

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value)
            value = re.sub(r"(?i)kr\.?$", "", value).replace(",", ".").replace("−", "-")
        return super().to_python(value)


class WholeNumberField(forms.IntegerField):
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 5})
    default_error_messages = {"invalid": "Skriv ett heltal med siffror, till exempel 34."}


class MonthField(forms.CharField):
    """A month as YYYY-MM. Its format is checked by the rules package's decoder."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "ÅÅÅÅ-MM", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)
        self.error_messages["max_length"] = "Skriv månaden som ÅÅÅÅ-MM, till exempel 2026-03."


# --- forms --------------------------------------------------------------------------------------------


class HouseholdForm(forms.Form):
    month = MonthField(
        label="Månad",
        help_text="Den månad beräkningen gäller, ÅÅÅÅ-MM. Året bestämmer vilken riksnorm som används.",
        error_messages={"required": "Fyll i vilken månad beräkningen gäller."},
    )
    municipality = forms.ChoiceField(
        label="Kommun (frivilligt)",
        required=False,
        help_text="Kommunens lokala regler, till exempel tak för hyran. Utan kommun används nationella standardvärden.",
    )
    dwelling_size = WholeNumberField(
        label="Antal personer i bostaden (frivilligt)",
        required=False,
        help_text=(
            "Fyll bara i när hushållet bor tillsammans med andra än make, maka, sambo och egna barn "
            "(hushållsgemenskap). Räkna med alla som bor i bostaden."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", "Ingen kommun – nationella standardvärden")] + [
            (code, f"{name} ({code})") for code, name in municipalities()
        ]


class AdultForm(forms.Form):
    age = WholeNumberField(label="Ålder", error_messages={"required": "Fyll i den vuxnas ålder."})
    consecutive_months_on_assistance = WholeNumberField(
        label="Månader i följd med försörjningsstöd (frivilligt)",
        required=False,
        help_text="Antal månader i rad före den beräknade månaden. Efter 6 månader gäller jobbstimulans.",
    )
    jobbstimulans_since = MonthField(
        label="Jobbstimulansen började (frivilligt)",
        required=False,
        help_text="Första månaden i den pågående tvåårsperioden, ÅÅÅÅ-MM. Lämna tomt om ingen period har börjat.",
    )


class ChildForm(forms.Form):
    age = WholeNumberField(label="Ålder", error_messages={"required": "Fyll i barnets ålder."})
    lunch_away_from_home = forms.BooleanField(
        label="Äter lunch på förskolan eller i pedagogisk omsorg fem dagar i veckan",
        required=False,
        help_text="Gäller barn upp till 6 år. Då räknas en lägre kostnad för mat.",
    )
    days_present = WholeNumberField(
        label="Dagar i hushållet den här månaden (frivilligt)",
        required=False,
        help_text="Till exempel vid växelvis boende. Lämna tomt om barnet bor i hushållet hela månaden.",
    )
    earnings_this_year_before_month = KronorField(
        label="Barnets egna arbetsinkomster tidigare i år, kronor (frivilligt)",
        required=False,
        help_text="Barns arbetsinkomster räknas inte upp till ett prisbasbelopp per år.",
    )


class CostForm(forms.Form):
    type = forms.ChoiceField(label="Typ av kostnad", choices=list(COST_LABELS.items()))
    amount = KronorField(label="Belopp per månad, kronor", error_messages={"required": "Fyll i beloppet eller ta bort raden."})


class IncomeForm(forms.Form):
    type = forms.ChoiceField(label="Typ av inkomst", choices=list(INCOME_LABELS.items()))
    member = forms.ChoiceField(
        label="Vem får inkomsten",
        required=False,
        help_text="Måste anges för lön.",
        error_messages={"invalid_choice": "Välj en person som finns i hushållet."},
    )
    amount = KronorField(
        label="Belopp per månad efter skatt, kronor",
        error_messages={"required": "Fyll i beloppet eller ta bort raden."},
    )

    def __init__(self, *args, member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", "Hela hushållet / ingen särskild")] + list(member_choices)


class RowFormSet(forms.BaseFormSet):
    """Every row is validated, also one the case worker left empty (it is removed with its button)."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False
        return form


@dataclass(frozen=True)
class Group:
    """One list of rows on the page."""

    prefix: str  # formset prefix = the list's name in the JSON document
    form_class: type[forms.Form]
    min_rows: int
    max_rows: int
    heading: str
    hint: str
    row_label: str  # "Vuxen" → "Vuxen 1"
    add_label: str
    first_field: str
    new_row: tuple[tuple[str, str], ...] = ()

    def formset_class(self):
        return forms.formset_factory(self.form_class, formset=RowFormSet, extra=0, max_num=self.max_rows)


GROUPS = (
    Group(
        "adults", AdultForm, 1, 2, "Vuxna", "Den som söker, och make, maka eller sambo om det finns. Högst två.",
        "Vuxen", "Lägg till en vuxen", "age",
    ),
    Group(
        "children", ChildForm, 0, 20, "Barn", "Barn och skolungdomar under 21 år som de vuxna försörjer.",
        "Barn", "Lägg till ett barn", "age",
    ),
    Group(
        "costs", CostForm, 0, 30, "Kostnader",
        "Kostnader utöver riksnormen, per månad. Hyran begränsas av kommunens tak om kommunen har ett.",
        "Kostnad", "Lägg till en kostnad", "type", (("type", "rent"),),
    ),
    Group(
        "incomes", IncomeForm, 0, 30, "Inkomster",
        "Hushållets inkomster per månad efter skatt. Ange vem som har lönen: det styr jobbstimulans och barns inkomster.",
        "Inkomst", "Lägg till en inkomst", "type",
    ),
)
GROUP_BY_PREFIX = {group.prefix: group for group in GROUPS}

# Member ids in the JSON document. They appear in the trace ("Personliga kostnader, barn 2, 5 år",
# "Jobbstimulans, sökande: ..."), so they are words a case worker reads, not technical keys.
ADULT_IDS = ("sökande", "medsökande")
MEMBER_GROUPS = ("adults", "children")


def member_id(prefix: str, index: int) -> str:
    return ADULT_IDS[index] if prefix == "adults" else str(index + 1)


def member_choices(adults: int, children: int) -> list[tuple[str, str]]:
    return [(member_id("adults", i), f"Vuxen {i + 1} ({ADULT_IDS[i]})") for i in range(min(adults, 2))] + [
        (member_id("children", i), f"Barn {i + 1}") for i in range(children)
    ]


# --- presenting a result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    code: str
    label: str
    amount: str
    reference: str
    is_total: bool


@dataclass(frozen=True)
class ResultView:
    """A calculation result ready for the template: every amount formatted in Swedish."""

    month: str
    month_label: str
    norm_year: int
    amount: str
    outcome: str
    outcome_label: str
    rows: tuple[TraceRow, ...]
    warnings: tuple[str, ...]
    engine_version: str
    parameter_hash: str


def present_result(result) -> ResultView:
    data = result.to_dict(trace=True)
    metadata = result.metadata()
    return ResultView(
        month=data["month"],
        month_label=format_month(data["month"]),
        norm_year=data["norm_year"],
        amount=format_kronor(data["amount"], decimals=False),
        outcome=data["outcome"],
        outcome_label=OUTCOME_LABELS[data["outcome"]],
        rows=tuple(
            TraceRow(
                code=line["code"],
                label=line["label"],
                amount=format_kronor(line["amount"]),
                reference=line["reference"],
                is_total=line["code"] in TOTAL_CODES,
            )
            for line in data["lines"]
        ),
        warnings=tuple(data["warnings"]),
        engine_version=metadata["engine_version"],
        parameter_hash=metadata["parameter_hash"],
    )


# --- the page -----------------------------------------------------------------------------------------

_ERROR_PATH = re.compile(r"^(?:household\.)?(?P<group>adults|children|costs|incomes)(?:\[(?P<index>\d+)\](?:\.(?P<field>\w+))?)?")
_ENCODER = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True)
class SummaryError:
    message: str
    anchor: str  # the id of the element the summary links to


class CalculationPage:
    """The form state of the page, from a GET (empty household), a row action or a calculation.

    - ``CalculationPage(None)``: a new page with one adult and a rent row.
    - ``CalculationPage(post)`` with ``action=calculate`` (the default): the posted values are validated
      and calculated; ``result`` is set, or the errors are attached to the fields.
    - ``action=add-<group>`` / ``remove-<group>-<n>``: the posted rows are changed and shown again
      without validation; ``focus`` names the element to focus (the new row's first field, or the
      group's add button after a removal).
    """

    def __init__(self, data=None, *, today=None):
        self.result = None
        self.result_view: ResultView | None = None
        self.focus = ""
        self.group_errors: dict[str, list[str]] = {}
        action = (data.get("action") or "calculate") if data is not None else None
        if data is None:
            month = (today or timezone.localdate()).strftime("%Y-%m")
            self._build_unbound(
                {"month": month},
                {"adults": [{}], "children": [], "costs": [{"type": "rent"}], "incomes": []},
            )
        elif action == "calculate":
            self._build_bound(data)
        else:
            main, rows = self._read(data)
            self._apply_action(action, rows)
            self._build_unbound(main, rows)

    # building -----------------------------------------------------------------------------------------

    def _build_unbound(self, main: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
        self.is_bound = False
        self.form = HouseholdForm(initial=main)
        choices = member_choices(len(rows["adults"]), len(rows["children"]))
        self.formsets = {}
        for group in GROUPS:
            formset = group.formset_class()(
                prefix=group.prefix,
                initial=rows[group.prefix],
                form_kwargs={"member_choices": choices} if group.prefix == "incomes" else {},
            )
            self.formsets[group.prefix] = formset
        match = re.fullmatch(r"id_(\w+)-(\d+)-(\w+)", self.focus)
        if match:
            form = self.formsets[match[1]].forms[int(match[2])]
            form.fields[match[3]].widget.attrs["autofocus"] = True

    def _build_bound(self, data) -> None:
        self.is_bound = True
        self.form = HouseholdForm(data)
        counts = {prefix: _row_count(data, prefix) for prefix in ("adults", "children")}
        choices = member_choices(counts["adults"], counts["children"])
        self.formsets = {
            group.prefix: group.formset_class()(
                data,
                prefix=group.prefix,
                form_kwargs={"member_choices": choices} if group.prefix == "incomes" else {},
            )
            for group in GROUPS
        }

    @staticmethod
    def _read(data) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        """The posted values as plain dicts: the main fields and the rows of each group."""
        main = {name: data.get(name, "") for name in HouseholdForm.base_fields}
        rows = {}
        for group in GROUPS:
            count = min(_row_count(data, group.prefix), group.max_rows)
            rows[group.prefix] = [
                {
                    name: data.get(f"{group.prefix}-{i}-{name}")
                    for name in group.form_class.base_fields
                    if data.get(f"{group.prefix}-{i}-{name}") not in (None, "")
                }
                for i in range(count)
            ]
        return main, rows

    def _apply_action(self, action: str, rows: dict[str, list[dict[str, Any]]]) -> None:
        if match := re.fullmatch(r"add-(\w+)", action):
            group = GROUP_BY_PREFIX.get(match[1])
            if group and len(rows[group.prefix]) < group.max_rows:
                rows[group.prefix].append(dict(group.new_row))
                self.focus = f"id_{group.prefix}-{len(rows[group.prefix]) - 1}-{group.first_field}"
        elif match := re.fullmatch(r"remove-(\w+)-(\d+)", action):
            group = GROUP_BY_PREFIX.get(match[1])
            index = int(match[2])
            if group and index < len(rows[group.prefix]) and len(rows[group.prefix]) > group.min_rows:
                before = len(rows[group.prefix])
                del rows[group.prefix][index]
                if group.prefix in MEMBER_GROUPS:
                    _renumber_members(rows["incomes"], group.prefix, index, before)
                self.focus = f"add-{group.prefix}"

    # calculating --------------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        return valid

    def calculate(self):
        """Validate and calculate. Returns the result, or None with the errors attached to the fields."""
        if not self.is_bound:
            return None
        if not self.is_valid():
            return None
        try:
            document = _ENCODER.encode(self.to_document())
            value = decode_input(document)
            check_business_limits(value)  # the API's limits: a month with a riksnorm, amounts it can show
            self.result = run_calculation(value)
        except CalculationInputError as exc:
            self.attach_error(exc.field, exc.message)
            return None
        self.result_view = present_result(self.result)
        return self.result

    def to_document(self) -> dict[str, Any]:
        """The cleaned form as the input document of calculation.schema.json."""
        main = self.form.cleaned_data
        household: dict[str, Any] = {"adults": [], "children": []}
        for i, form in enumerate(self.formsets["adults"].forms):
            data = form.cleaned_data
            adult: dict[str, Any] = {"id": member_id("adults", i), "age": data["age"]}
            if data["consecutive_months_on_assistance"] is not None:
                adult["consecutive_months_on_assistance"] = data["consecutive_months_on_assistance"]
            if data["jobbstimulans_since"]:
                adult["jobbstimulans_since"] = data["jobbstimulans_since"]
            household["adults"].append(adult)
        for i, form in enumerate(self.formsets["children"].forms):
            data = form.cleaned_data
            child: dict[str, Any] = {
                "id": member_id("children", i),
                "age": data["age"],
                "lunch_away_from_home": data["lunch_away_from_home"],
                "days_present": data["days_present"],
            }
            if data["earnings_this_year_before_month"] is not None:
                child["earnings_this_year_before_month"] = data["earnings_this_year_before_month"]
            household["children"].append(child)
        if main["dwelling_size"] is not None:
            household["dwelling_size"] = main["dwelling_size"]
        document: dict[str, Any] = {"month": main["month"], "household": household}
        if main["municipality"]:
            document["municipality"] = main["municipality"]
        document["costs"] = [
            {"type": form.cleaned_data["type"], "amount": form.cleaned_data["amount"]}
            for form in self.formsets["costs"].forms
        ]
        incomes = []
        for form in self.formsets["incomes"].forms:
            data = form.cleaned_data
            income: dict[str, Any] = {"type": data["type"], "amount": data["amount"]}
            if data["member"]:
                income["member"] = data["member"]
            incomes.append(income)
        document["incomes"] = incomes
        return document

    def attach_error(self, path: str, message: str) -> None:
        """Show a decoder error (field = JSON path) at the form field that holds the value."""
        if path in ("month", "municipality") or path == "household.dwelling_size":
            self.form.add_error(path.rsplit(".", 1)[-1], message)
            return
        match = _ERROR_PATH.match(path)
        if match:
            prefix = match["group"]
            forms_ = self.formsets[prefix].forms
            if match["index"] is None or int(match["index"]) >= len(forms_):
                self.group_errors.setdefault(prefix, []).append(message)
                return
            form = forms_[int(match["index"])]
            field = match["field"] if match["field"] in form.fields else None
            form.add_error(field, message)
            return
        self.form.add_error(None, message)

    # presenting ---------------------------------------------------------------------------------------

    @property
    def has_errors(self) -> bool:
        return bool(self.error_summary)

    @property
    def error_summary(self) -> list[SummaryError]:
        """Every error on the page, in page order, each linking to its field."""
        if not self.is_bound:
            return []
        items: list[SummaryError] = []
        form = self.form
        for message in form.non_field_errors():
            items.append(SummaryError(message, "household-fields"))
        for name in ("month", "municipality"):
            for message in form[name].errors:
                items.append(SummaryError(message, form[name].auto_id))
        for group in GROUPS:
            formset = self.formsets[group.prefix]
            for message in list(formset.non_form_errors()) + self.group_errors.get(group.prefix, []):
                items.append(SummaryError(f"{group.row_label}: {message}", f"section-{group.prefix}"))
            for i, row in enumerate(formset.forms):
                label = f"{group.row_label} {i + 1}"
                for message in row.non_field_errors():
                    items.append(SummaryError(f"{label}: {message}", f"{group.prefix}-{i}"))
                for bound in row:
                    for message in bound.errors:
                        items.append(SummaryError(f"{label}, {_short_label(bound.label)}: {message}", bound.auto_id))
            if group.prefix == "children":
                for message in form["dwelling_size"].errors:
                    items.append(SummaryError(message, form["dwelling_size"].auto_id))
        return items

    def sections(self) -> dict[str, dict[str, Any]]:
        """The groups for the template, by prefix: rows with their numbers and remove buttons."""
        sections = {}
        for group in GROUPS:
            formset = self.formsets[group.prefix]
            count = len(formset.forms)
            sections[group.prefix] = (
                {
                    "group": group,
                    "formset": formset,
                    "rows": [
                        {
                            "form": form,
                            "number": i + 1,
                            "id": f"{group.prefix}-{i}",
                            "label": f"{group.row_label} {i + 1}",
                            "can_remove": count > group.min_rows,
                        }
                        for i, form in enumerate(formset.forms)
                    ],
                    "can_add": count < group.max_rows,
                    "errors": list(formset.non_form_errors()) + self.group_errors.get(group.prefix, []),
                    "focus_add": self.focus == f"add-{group.prefix}",
                }
            )
        return sections

    def context(self) -> dict[str, Any]:
        return {
            "page": self,
            "form": self.form,
            "sections": self.sections(),
            "result": self.result_view,
            "error_summary": self.error_summary,
            "focus": self.focus,
        }


def _row_count(data, prefix: str) -> int:
    try:
        return max(0, int(data.get(f"{prefix}-TOTAL_FORMS", 0)))
    except (TypeError, ValueError):
        return 0


def _renumber_members(incomes: list[dict[str, Any]], prefix: str, removed: int, before: int) -> None:
    """After removing person `removed` of `before` in a group, the incomes keep pointing at the same
    people (or at nobody, for the removed person)."""
    mapping = {
        member_id(prefix, j): (None if j == removed else member_id(prefix, j if j < removed else j - 1))
        for j in range(before)
    }
    for income in incomes:
        member = income.get("member")
        if member in mapping:
            if mapping[member] is None:
                income.pop("member")
            else:
                income["member"] = mapping[member]


def _short_label(label: str) -> str:
    """"Ålder" → "ålder", for "Barn 1, ålder: …" in the error summary."""
    label = label.replace(" (frivilligt)", "")
    return label[:1].lower() + label[1:]
