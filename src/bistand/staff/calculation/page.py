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
from typing import Any

import msgspec
from django.conf import settings
from django.utils import timezone

from bistand.rules import CalculationInputError, decode_input
from bistand.rules.calculate import calculate
from bistand.rules.limits import check_business_limits

from .forms import GROUP_BY_PREFIX, GROUPS, MEMBER_GROUPS, HouseholdForm, member_choices, member_id
from .presenters import ResultView, present_result


def run_calculation(value):
    return calculate(value, local_dir=settings.BISTAND_LOCAL_PARAMETERS_DIR)


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
