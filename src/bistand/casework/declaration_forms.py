"""The declaration's forms — one per section of the application (Hushållet, Boende, Kostnader, Inkomster,
Tillgångar, Bankkonto) — and how a section's answers become the declaration's data. The applicant's
e-service (bistand.portal) and the case worker's registration of a paper or in-person application
(bistand.staff) use these same forms, so that both capture the same declaration (issue 20): the
household, incomes, costs, Arbetsförmedlingen per adult (12 kap. 3 § SoL) and the school question of a
child aged 18–20. They live here, below portal and staff, because the bank account is checked by the
payment code's validator (bistand.payments.accounts), which the applications app may not import.

Each form checks what was typed and shows a plain-Swedish message at the field; nothing is ever refused
for how it was filled in (a section that cannot be answered is marked so and goes to a case worker)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bistand.applications import declaration as decl
from bistand.common.forms import AccessibleFormMixin
from bistand.payments.accounts import AccountError, parse_bank_account
from bistand.people import personnummer as pnr

YES_NO = [("no", _("Nej")), ("yes", _("Ja"))]


def _lower_first(text) -> str:
    text = str(text)
    return text[:1].lower() + text[1:]


_first_lower = lazy(_lower_first, str)


def translated(message: str) -> str:
    """A Swedish message from a lower layer (declaration, accounts, personnummer) in the applicant's language,
    where the catalogue has it (the msgids are marked with gettext_noop where they are written)."""
    return gettext(message)


def _int_field(label: str, *, min_value: int, max_value: int, required: bool = False, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=min_value, max_value=max_value, required=required, help_text=help_text,
        error_messages={
            # A question is answered, a name is filled in: never "Fyll i hur många …?."
            "required": _("Svara på frågan.") if str(label).rstrip().endswith("?") else format_lazy(_("Fyll i {}."), _first_lower(label)),
            "invalid": _("Skriv ett heltal med siffror, till exempel 2."),
            "min_value": format_lazy(_("Talet kan inte vara mindre än {}."), min_value),
            "max_value": format_lazy(_("Talet kan inte vara större än {}."), max_value),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AmountField(forms.CharField):
    """Kronor as typed ("6 500", "6500,50") → öre (None when empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                           "class": "amount", "maxlength": "20"}))
        super().__init__(*args, **kwargs)
        self.error_messages["required"] = _("Skriv beloppet i kronor.")

    def prepare_value(self, value):
        return decl.format_amount(value) if isinstance(value, int) else value

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return decl.parse_amount(value)
        except ValueError as error:
            raise ValidationError(translated(str(error)), code="invalid") from None


class CannotAnswerForm(AccessibleFormMixin, forms.Form):
    """The way out of every step: "Jag vet inte / kan inte svara" (the section goes to a case worker)."""

    cannot_answer = forms.BooleanField(
        label=_("Jag vet inte eller kan inte svara på frågorna på den här sidan"), required=False,
        help_text=_("En handläggare hjälper dig. Din ansökan tas emot ändå."),
    )
    note = forms.CharField(
        label=_("Berätta gärna vad du inte kan svara på"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "ca")
        super().__init__(*args, **kwargs)
        self._describe()


#: _("Är du inskriven som arbetssökande på Arbetsförmedlingen?") and the reasons not to be (12 kap. 3 § SoL).
AF_REGISTERED = [("yes", _("Ja, inskriven")), ("no", _("Nej, inte inskriven"))]
AF_REASON_CHOICES = [("", _("Välj skäl"))] + [(value, lazy(translated, str)(label))
                                             for value, label in decl.LabourMarketReason.choices]


def _labour_market_initial(prefix: str, fact) -> dict:
    if not isinstance(fact, dict) or fact.get("registered") is None:
        return {}  # not asked before (an older application): the question starts unanswered
    return {f"{prefix}_af_registered": "yes" if fact["registered"] else "no",
            f"{prefix}_af_reason": fact.get("reason") or "", f"{prefix}_af_reason_text": fact.get("reason_text") or ""}


class MembersForm(AccessibleFormMixin, forms.Form):
    has_partner = forms.ChoiceField(
        label=_("Bor du med en make, maka eller sambo?"), choices=YES_NO, widget=forms.RadioSelect, initial="no",
        error_messages={"required": _("Svara ja eller nej.")},
    )
    partner_personnummer = forms.CharField(
        label=_("Personnummer för din make, maka eller sambo"), required=False, max_length=20,
        help_text=_("12 siffror, till exempel 19850312-9804."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    partner_first_name = forms.CharField(label=_("Förnamn"), required=False, max_length=100)
    partner_last_name = forms.CharField(label=_("Efternamn"), required=False, max_length=100)
    other_adults_in_dwelling = _int_field(
        _("Hur många andra vuxna bor i bostaden?"), min_value=0, max_value=20,
        help_text=_("Till exempel vuxna barn eller någon du delar bostad med. Räkna inte dig själv eller din make, maka eller sambo."),
    )

    # Availability to the labour market (12 kap. 3 § SoL): asked of each adult.
    applicant_af_registered = forms.ChoiceField(
        label=_("Är du inskriven som arbetssökande på Arbetsförmedlingen?"), choices=AF_REGISTERED, widget=forms.RadioSelect,
        help_text=_("För att få försörjningsstöd behöver du i regel söka arbete och vara inskriven på Arbetsförmedlingen. "
                    "Har du ett skäl att inte vara det, till exempel sjukdom eller föräldraledighet, väljer du skälet nedan."),
        error_messages={"required": _("Svara om du är inskriven på Arbetsförmedlingen.")},
    )
    applicant_af_reason = forms.ChoiceField(label=_("Om du inte är inskriven: varför inte?"), required=False,
                                            choices=AF_REASON_CHOICES)
    applicant_af_reason_text = forms.CharField(label=_("Beskriv ditt skäl kort"), required=False, max_length=200,
                                               help_text=_("Fyll i om du valde Annat skäl."))
    partner_af_registered = forms.ChoiceField(
        label=_("Är din make, maka eller sambo inskriven som arbetssökande på Arbetsförmedlingen?"), required=False,
        choices=AF_REGISTERED, widget=forms.RadioSelect, help_text=_("Svara om du bor med en make, maka eller sambo."),
    )
    partner_af_reason = forms.ChoiceField(label=_("Om hen inte är inskriven: varför inte?"), required=False,
                                          choices=AF_REASON_CHOICES)
    partner_af_reason_text = forms.CharField(label=_("Beskriv hens skäl kort"), required=False, max_length=200,
                                             help_text=_("Fyll i om du valde Annat skäl."))

    def __init__(self, *args, applicant_personnummer: str = "", **kwargs):
        self.applicant_personnummer = applicant_personnummer
        super().__init__(*args, **kwargs)
        self._describe()

    def _clean_labour_market(self, cleaned: dict, prefix: str) -> None:
        registered = cleaned.get(f"{prefix}_af_registered")
        if registered == "no":
            reason = cleaned.get(f"{prefix}_af_reason")
            if not reason:
                self.add_error(f"{prefix}_af_reason", _("Välj ett skäl, eller välj att inget av skälen stämmer."))
            elif reason == decl.LabourMarketReason.OTHER and not (cleaned.get(f"{prefix}_af_reason_text") or "").strip():
                self.add_error(f"{prefix}_af_reason_text", _("Beskriv skälet kort när du har valt Annat skäl."))

    def clean(self):
        cleaned = super().clean()
        self._clean_labour_market(cleaned, "applicant")
        if cleaned.get("has_partner") == "yes":
            if not cleaned.get("partner_af_registered"):
                self.add_error("partner_af_registered", _("Svara om din make, maka eller sambo är inskriven på Arbetsförmedlingen."))
            self._clean_labour_market(cleaned, "partner")
        if cleaned.get("has_partner") == "yes":
            number = cleaned.get("partner_personnummer", "")
            if not number:
                self.add_error("partner_personnummer", _("Skriv personnumret för din make, maka eller sambo."))
            else:
                try:
                    normalised = decl.parse_personnummer(number)
                except ValueError as error:
                    self.add_error("partner_personnummer", translated(str(error)))
                else:
                    if normalised == self.applicant_personnummer:
                        self.add_error("partner_personnummer", _("Det här är ditt eget personnummer. Skriv din make, makas eller sambos."))
                    cleaned["partner_personnummer"] = normalised
            for field, message in (("partner_first_name", _("Skriv förnamnet.")), ("partner_last_name", _("Skriv efternamnet."))):
                if not (cleaned.get(field) or "").strip():
                    self.add_error(field, message)
        return cleaned

    def _labour_market(self, prefix: str) -> dict:
        data = self.cleaned_data
        return decl.labour_market_value(data.get(f"{prefix}_af_registered"), data.get(f"{prefix}_af_reason"),
                                        data.get(f"{prefix}_af_reason_text"))

    def section_data(self, previous: dict | None) -> dict:
        data = self.cleaned_data
        partner = None
        if data.get("has_partner") == "yes":
            old = (previous or {}).get("partner") or {}
            same = old.get("personnummer") == data["partner_personnummer"]
            partner = {"person_id": old.get("person_id") if same else None, "personnummer": data["partner_personnummer"],
                       "first_name": data["partner_first_name"].strip(), "last_name": data["partner_last_name"].strip(),
                       "labour_market": self._labour_market("partner"), **decl.SOURCE}
        applicant = {**((previous or {}).get("applicant") or {}), "labour_market": self._labour_market("applicant")}
        return {"applicant": applicant, "partner": partner, "other_adults_in_dwelling": data.get("other_adults_in_dwelling") or 0}

    @staticmethod
    def initial_for(members: dict) -> dict:
        partner = members.get("partner") or {}
        number = partner.get("personnummer", "")
        return {
            "has_partner": "yes" if partner else "no",
            "partner_personnummer": f"{number[:8]}-{number[8:]}" if len(number) == 12 else number,
            "partner_first_name": partner.get("first_name", ""),
            "partner_last_name": partner.get("last_name", ""),
            "other_adults_in_dwelling": members.get("other_adults_in_dwelling") or 0,
            **_labour_market_initial("applicant", (members.get("applicant") or {}).get("labour_market")),
            **_labour_market_initial("partner", partner.get("labour_market")),
        }


#: The answer to "Går barnet i gymnasieskolan?" (stored as true / false / null in the declaration).
SCHOOL_CHOICES = [("", _("Barnet är under 18 år")), ("yes", _("Ja, går i gymnasieskolan")), ("no", _("Nej"))]
SCHOOL_YOUTH_AGE = 18


class ChildForm(AccessibleFormMixin, forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    first_name = forms.CharField(label=_("Barnets förnamn"), max_length=100,
                                 error_messages={"required": _("Skriv barnets förnamn.")})
    personnummer = forms.CharField(
        label=_("Barnets personnummer"), required=False, max_length=20,
        help_text=_("Lämna tomt om du inte vet det – en handläggare hjälper dig."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    days_present = _int_field(
        _("Dagar i månaden som barnet bor hos dig"), min_value=0, max_value=31,
        help_text=_("Lämna tomt om barnet bor hos dig hela tiden."),
    )
    lunch_away_from_home = forms.BooleanField(label=_("Barnet äter lunch på förskolan eller i pedagogisk omsorg"),
                                              required=False)
    in_upper_secondary_school = forms.ChoiceField(
        label=_("Går barnet i gymnasieskolan?"), required=False, choices=SCHOOL_CHOICES,
        help_text=_("Svara för ett barn som är 18, 19 eller 20 år. Ett barn i den åldern räknas bara till ditt hushåll "
                    "medan hen går i gymnasieskolan. Annars söker hen ekonomiskt bistånd själv."),
    )

    def clean(self):
        data = super().clean()
        number = data.get("personnummer")
        if number and SCHOOL_YOUTH_AGE <= pnr.parse(number).age() and not data.get("in_upper_secondary_school"):
            self.add_error("in_upper_secondary_school", "Svara om barnet går i gymnasieskolan. Barnet är 18 år eller äldre.")
        return data

    def clean_personnummer(self):
        value = (self.cleaned_data.get("personnummer") or "").strip()
        if not value:
            return ""
        try:
            number = pnr.parse(value)
        except pnr.PersonnummerError as error:
            raise ValidationError(translated(error.message)) from None
        if number.age() > 20:
            raise ValidationError(_("Barnet är 21 år eller äldre. Vuxna barn söker själva; räkna dem som andra vuxna i bostaden."))
        return number.normalised


class BaseChildFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self.can_delete and self._should_delete_form(form):
                continue
            number = form.cleaned_data.get("personnummer")
            if number and number in seen:
                form.add_error("personnummer", _("Samma personnummer finns två gånger."))
            seen.add(number)


ChildFormSet = forms.formset_factory(ChildForm, formset=BaseChildFormSet, extra=0, can_delete=True, max_num=15,
                                     absolute_max=15)


class HousingForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Hur bor du?"), choices=[(code, _(label)) for code, label in decl.HOUSING_KINDS], widget=forms.RadioSelect,
                             error_messages={"required": _("Välj hur du bor.")})
    rooms = _int_field(_("Antal rum (utöver kök)"), min_value=0, max_value=20,
                       help_text=_("Lämna tomt om du inte har någon egen bostad."))
    persons_in_dwelling = _int_field(_("Hur många personer bor i bostaden, du själv inräknad?"), min_value=1, max_value=30,
                                     required=True)


class CostsForm(AccessibleFormMixin, forms.Form):
    """One amount per cost type (kronor a month); an empty field means no such cost."""

    other_note = forms.CharField(label=_("Vad är den andra kostnaden?"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for code, label in decl.COST_TYPES:
            fields[f"cost_{code}"] = AmountField(label=format_lazy(_("{} (kr per månad)"), _(label)))
        fields["other_note"] = self.fields.pop("other_note")
        self.fields = fields
        self._describe()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cost_other") and not (cleaned.get("other_note") or "").strip():
            self.add_error("other_note", _("Skriv vad den andra kostnaden gäller."))
        return cleaned

    def section_data(self) -> list[dict]:
        rows = []
        for code, _label in decl.COST_TYPES:
            amount = self.cleaned_data.get(f"cost_{code}")
            if amount:
                row = {"type": code, "amount_ore": amount, **decl.SOURCE}
                if code == "other":
                    row["note"] = self.cleaned_data.get("other_note", "").strip()
                rows.append(row)
        return rows

    @staticmethod
    def initial_for(costs: list[dict]) -> dict:
        initial = {f"cost_{c['type']}": c.get("amount_ore") for c in costs}
        other = next((c for c in costs if c["type"] == "other"), None)
        if other:
            initial["other_note"] = other.get("note", "")
        return initial


class IncomeForm(AccessibleFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("Slag av inkomst"), choices=[("", _("Välj …")), *[(code, _(label)) for code, label in decl.INCOME_TYPES]],
                             error_messages={"required": _("Välj vilken sorts inkomst det är.")})
    member = forms.ChoiceField(label=_("Vem får inkomsten?"), choices=[], error_messages={"required": _("Välj vem som får inkomsten.")})
    amount = AmountField(label=_("Belopp efter skatt (kr per månad)"), required=True)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(key, translated(label)) for key, label in members]
        self._describe()


class BaseIncomeFormSet(forms.BaseFormSet):
    def __init__(self, *args, members=(), **kwargs):
        self.members = list(members)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "members": self.members}


IncomeFormSet = forms.formset_factory(IncomeForm, formset=BaseIncomeFormSet, extra=0, can_delete=True, max_num=40,
                                      absolute_max=40)


class AssetsForm(AccessibleFormMixin, forms.Form):
    has_assets = forms.ChoiceField(label=_("Har du eller någon i hushållet pengar eller saker av värde?"), choices=YES_NO,
                                   widget=forms.RadioSelect, error_messages={"required": _("Svara ja eller nej.")})
    bank = AmountField(label=_("Pengar på bankkonton, sammanlagt (kr)"))
    vehicle_description = forms.CharField(label=_("Bil, motorcykel eller båt: vilken?"), required=False, max_length=200)
    vehicle_value = AmountField(label=_("Fordonets ungefärliga värde (kr)"))
    property_description = forms.CharField(label=_("Hus, bostadsrätt eller mark: vilket?"), required=False, max_length=200)
    property_value = AmountField(label=_("Bostadens eller markens ungefärliga värde (kr)"))
    securities = AmountField(label=_("Aktier eller fonder, värde (kr)"))
    other_description = forms.CharField(label=_("Annan tillgång: vilken?"), required=False, max_length=200)
    other_value = AmountField(label=_("Den andra tillgångens ungefärliga värde (kr)"))

    _ROWS = (("bank", "bank", None), ("vehicle", "vehicle_value", "vehicle_description"),
             ("property", "property_value", "property_description"), ("securities", "securities", None),
             ("other", "other_value", "other_description"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_assets") == "yes" and not any(cleaned.get(v) or (d and cleaned.get(d)) for _, v, d in self._ROWS):
            self.add_error("bank", _("Fyll i minst en tillgång, eller svara nej på frågan ovan."))
        return cleaned

    def section_data(self) -> list[dict]:
        if self.cleaned_data.get("has_assets") != "yes":
            return []
        rows = []
        for kind, value_field, description_field in self._ROWS:
            value = self.cleaned_data.get(value_field)
            description = (self.cleaned_data.get(description_field) or "").strip() if description_field else ""
            if value or description:
                rows.append({"kind": kind, "description": description, "value_ore": value or 0, **decl.SOURCE})
        return rows

    @classmethod
    def initial_for(cls, assets: list[dict], answered: bool) -> dict:
        initial: dict = {"has_assets": ("yes" if assets else "no") if answered else None}
        for kind, value_field, description_field in cls._ROWS:
            row = next((a for a in assets if a["kind"] == kind), None)
            if row:
                initial[value_field] = row.get("value_ore")
                if description_field:
                    initial[description_field] = row.get("description", "")
        return initial


class BankAccountForm(AccessibleFormMixin, forms.Form):
    """The applicant's bank account, checked by the same rules as the payment file
    (bistand.payments.accounts: the bank's clearing range and the account's check digit), so that no
    application is accepted with an account the bank file would refuse."""

    clearing = forms.CharField(label=_("Clearingnummer"), max_length=10, help_text=_("Fyra siffror, till exempel 8327."),
                               error_messages={"required": _("Skriv clearingnumret.")},
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    account = forms.CharField(label=_("Kontonummer"), max_length=20, error_messages={"required": _("Skriv kontonumret.")},
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    #: AccountError codes about the clearing number (the others are about the account number).
    _CLEARING_CODES = {"clearing_length", "clearing_unknown", "clearing_check_digit"}

    def clean_clearing(self):
        try:
            return decl.clean_clearing(self.cleaned_data["clearing"])
        except ValueError as error:
            raise ValidationError(translated(str(error))) from None

    def clean_account(self):
        try:
            return decl.clean_account(self.cleaned_data["account"])
        except ValueError as error:
            raise ValidationError(translated(str(error))) from None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            account = parse_bank_account(data["clearing"], data["account"])
        except AccountError as error:
            self.add_error("clearing" if error.code in self._CLEARING_CODES else "account", translated(error.message))
            return data
        data["clearing"], data["account"] = account.clearing, account.number
        return data


# --- one section of the declaration: its bound forms and the data they give --------------------------------


CHILD_FIELDS = {"key": "str", "first_name": "str", "personnummer": "str", "days_present": "str", "lunch_away_from_home": "bool",
                "in_upper_secondary_school": "str"}
INCOME_FIELDS = {"type": "str", "member": "str", "amount": "str"}


def rows_from_formset(formset) -> list[dict]:
    return [form.cleaned_data for form in formset.forms
            if form.cleaned_data and not (formset.can_delete and formset._should_delete_form(form))]


def rows_from_post(post, prefix: str, fields: dict[str, str], skip: int | None = None) -> list[dict]:
    """The rows of a formset as typed (not checked), without deleted rows and the row ``skip``."""
    try:
        total = min(int(post.get(f"{prefix}-TOTAL_FORMS") or 0), 40)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        if index == skip or post.get(f"{prefix}-{index}-DELETE"):
            continue
        rows.append({name: (bool(post.get(f"{prefix}-{index}-{name}")) if kind == "bool" else post.get(f"{prefix}-{index}-{name}", ""))
                     for name, kind in fields.items()})
    return rows


def formset_action(post, formset_class, prefix: str, fields: dict[str, str], **kwargs):
    """Add or remove a row without saving or checking anything (the buttons "Lägg till …" / "Ta bort …"):
    the page comes back with what was typed, one row more or less."""
    action = post.get("action", "")
    skip = None
    if action.startswith(f"remove-{prefix}-"):
        try:
            skip = int(action.rsplit("-", 1)[-1])
        except ValueError:
            skip = None
    rows = rows_from_post(post, prefix, fields, skip)
    focus = None
    if action == f"add-{prefix}":
        rows.append({})
        focus = len(rows) - 1
    formset = formset_class(prefix=prefix, initial=rows, **kwargs)
    if focus is not None:
        # The new row's first field gets the focus (also after an htmx swap).
        form = formset.forms[focus]
        first = next(name for name, field in form.fields.items() if not field.widget.is_hidden)
        form.fields[first].widget.attrs["autofocus"] = "autofocus"
    return formset, focus


@dataclass
class SectionForms:
    """A section's form and formset (either may be None), and the formset row that gets the focus."""

    form: Any = None
    formset: Any = None
    focus_row: int | None = None

    def is_valid(self) -> bool:
        return (self.form is None or self.form.is_valid()) & (self.formset is None or self.formset.is_valid())

    def has_errors(self) -> bool:
        return bool((self.form is not None and self.form.errors) or (self.formset is not None and not self.formset.is_valid()))


def bind_section(section: str, declaration: dict, post=None, *, applicant_personnummer: str = "") -> SectionForms:
    """The forms of ``section`` filled from ``declaration`` (GET) or bound to ``post``; a POST with an
    ``action`` (add or remove a row) gives the page back with what was typed, one row more or less."""
    members = declaration.get("members") or {}
    answered = section in (declaration.get("answered") or [])
    action = post.get("action", "") if post else ""
    member_choices = decl.member_keys(declaration)
    found = SectionForms()
    if section == "members":
        found.form = MembersForm(post, initial=MembersForm.initial_for(members), applicant_personnummer=applicant_personnummer)
        child_initial = [{"key": c["key"], "first_name": c.get("first_name", ""), "personnummer": c.get("personnummer", ""),
                          "days_present": c.get("days_present"), "lunch_away_from_home": c.get("lunch_away_from_home", False),
                          "in_upper_secondary_school": decl.school_answer(c.get("in_upper_secondary_school"))}
                         for c in members.get("children") or []]
        if action.startswith(("add-children", "remove-children")):
            found.formset, found.focus_row = formset_action(post, ChildFormSet, "children", CHILD_FIELDS)
            found.form = MembersForm(initial={name: post.get(name, "") for name in found.form.fields},
                                     applicant_personnummer=applicant_personnummer)
        else:
            found.formset = ChildFormSet(post, prefix="children", initial=child_initial)
    elif section == "housing":
        found.form = HousingForm(post, initial=declaration.get("housing") or {})
    elif section == "costs":
        found.form = CostsForm(post, initial=CostsForm.initial_for(declaration.get("costs") or []))
    elif section == "incomes":
        income_initial = [{"type": i["type"], "member": i.get("member"), "amount": i.get("amount_ore")}
                          for i in declaration.get("incomes") or []]
        if action.startswith(("add-incomes", "remove-incomes")):
            found.formset, found.focus_row = formset_action(post, IncomeFormSet, "incomes", INCOME_FIELDS,
                                                            members=member_choices)
        else:
            found.formset = IncomeFormSet(post, prefix="incomes", initial=income_initial, members=member_choices)
    elif section == "assets":
        found.form = AssetsForm(post, initial=AssetsForm.initial_for(declaration.get("assets") or [], answered))
    elif section == "bank_account":
        found.form = BankAccountForm(post, initial=declaration.get("bank_account") or {})
    return found


def section_data(section: str, form, formset, members: dict):
    """The valid forms of ``section`` → the section's data in the declaration (as ``save_draft`` stores it)."""
    if section == "members":
        data = form.section_data(members)
        old_children = {c["key"]: c for c in members.get("children") or []}
        children, used = [], set(old_children)
        for row in rows_from_formset(formset):
            key = row.get("key") or ""
            if key not in old_children:
                n = 1
                while f"barn{n}" in used:
                    n += 1
                key = f"barn{n}"
                used.add(key)
            old = old_children.get(key, {})
            children.append({"key": key, "person_id": old.get("person_id") if old.get("personnummer") == row["personnummer"] else None,
                             "personnummer": row["personnummer"], "first_name": row["first_name"].strip(),
                             "days_present": row.get("days_present"), "lunch_away_from_home": bool(row.get("lunch_away_from_home")),
                             "in_upper_secondary_school": decl.school_value(row.get("in_upper_secondary_school")),
                             **decl.SOURCE})
        data["children"] = children
        return data
    if section == "housing":
        return {**form.cleaned_data, **decl.SOURCE}
    if section == "costs":
        return form.section_data()
    if section == "incomes":
        return [{"type": r["type"], "member": r["member"], "amount_ore": r["amount"], **decl.SOURCE}
                for r in rows_from_formset(formset)]
    if section == "assets":
        return form.section_data()
    if section == "bank_account":
        return {**form.cleaned_data, **decl.SOURCE}
    return None
