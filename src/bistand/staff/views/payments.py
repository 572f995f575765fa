"""Staff pages for payments: approval with four eyes (attest), and the bank files.

* ``payment_list`` — payments of the current municipality that wait for approval. One AccessLog row
  per applicant shown (one INSERT); a fixed number of queries whatever the number of rows. Each row says
  why the user may not approve it, when that is so (four eyes).
* ``payment_approve`` — POST: approve one payment (bistand.payments.services.approve checks four eyes).
* ``payment_approve_many`` — POST: the checklist. The chosen payments (or all the user may approve)
  are shown with their count and total to confirm; the confirmed count and total are checked again
  when approving (all or none).
* ``payment_detail`` — one payment: the decision behind it, its history, and the ways forward
  (``payment_change_payee``, ``payment_cancel``, ``payment_reissue``: each with a reason).
* ``payment_unexecuted`` — favourable decisions whose payment was stopped or rejected (ej verkställda).
* ``payment_automated`` — the days the delegation approved payments automatically, for the manager.
* ``payment_bank_status`` — upload the bank's answer (pain.002 or camt.054).
* ``payment_export_list`` / ``payment_export_create`` / ``payment_export_download`` — the bank files
  (pain.001.001.09): list, make today's (or another date's) file, download one. A download writes one
  AccessLog row (action export) per applicant in the file.

Every read goes through bistand.payments.selectors (scoped to the user's municipality); persons are
shown through bistand.people.presenters (protected identities hidden).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.common.formatting import format_kronor, how_many
from bistand.common.forms import AccessibleFormMixin
from bistand.common.http import page_of
from bistand.payments.bankstatus import BankStatusError
from bistand.payments.models import PayeeKind, PaymentStatus
from bistand.payments.selectors import (
    ExportChecksumError,
    approved_waiting_for_export,
    automated_approval_batches,
    export_for,
    exports_for,
    next_export_date,
    payment_for,
    payment_history,
    payments_awaiting_approval,
    payments_rejected_by_bank,
    persons_in_export,
    unexecuted_decisions,
    verified_content,
)
from bistand.payments.services import (
    ExportError,
    FourEyesError,
    Payee,
    PaymentError,
    approve,
    approve_many,
    cancel,
    change_payee,
    export_payments,
    four_eyes_conflicts,
    import_bank_status,
    reissue,
)
from bistand.people.presenters import PROTECTED_TEXT, can_see_protected, present_person
from bistand.tenancy.current import for_request
from bistand.tenancy.decorators import person_data_view

PAGE_SIZE = 50
EXPORT_PAGE_SIZE = 25


def _rows(request, payments, *, may_approve: bool = False) -> tuple[list[dict], list]:
    """Table rows of payments (persons through the presenters) and the persons shown, for the log."""
    reveal = can_see_protected(request.user)
    rows, shown = [], []
    for payment in payments:
        applicant = payment.decision.application.applicant
        shown.append(applicant)
        person = present_person(applicant, reveal=reveal)
        payee_name = payment.payee_name
        if payment.payee_kind == PayeeKind.APPLICANT and person.hidden:
            payee_name = PROTECTED_TEXT
        account = payment.parsed_account() if payment.account else None
        conflicts = four_eyes_conflicts(payment, request.user) if may_approve else []
        rows.append(
            {
                "payment": payment,
                "person": person,
                "payee_name": payee_name,
                "account": account.display if account else "",
                "conflicts": conflicts,
                "approvable": may_approve and not conflicts and bool(account),
            }
        )
    return rows, shown


@require_GET
@person_data_view("payments.view_payment")
def payment_list(request):
    page = page_of(request, payments_awaiting_approval(request.user), PAGE_SIZE)
    may_approve = request.user.has_perm("payments.approve_payment")
    rows, shown = _rows(request, page.rows, may_approve=may_approve)
    rejected, shown_rejected = _rows(request, payments_rejected_by_bank(request.user)[:PAGE_SIZE])
    log_access(user=request.user, persons=shown + shown_rejected, action=AccessAction.LIST, target="staff:payment_list",
               request=request)
    waiting = approved_waiting_for_export(request.user)
    approvable = [row["payment"] for row in rows if row["approvable"]]
    return render(
        request,
        "payments/payment_list.html",
        {
            "page": page,
            "rows": rows,
            "rejected": rejected,
            "may_approve": may_approve,
            "approvable_count": len(approvable),
            "approvable_total": format_kronor(sum(p.amount_ore for p in approvable)),
            "waiting_count": waiting["count"],
            "waiting_total": format_kronor(waiting["total_ore"]),
            "may_see_exports": request.user.has_perm("payments.view_paymentexport"),
        },
    )


def _chosen_ids(request) -> list[int]:
    ids = []
    for value in request.POST.getlist("payment"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


@require_POST
@person_data_view("payments.view_payment", "payments.approve_payment")
def payment_approve_many(request):
    """The checklist: first the choice is shown with its count and total to confirm; the confirmed
    count and total are then approved all at once (bistand.payments.services.approve_many)."""
    waiting = payments_awaiting_approval(request.user)
    if request.POST.get("confirm"):
        try:
            count, total = int(request.POST.get("count", "")), int(request.POST.get("total_ore", ""))
        except ValueError:
            messages.error(request, "Bekräfta antal och summa på nytt.")
            return redirect("staff:payment_list")
        ids = _chosen_ids(request)
        try:
            approved = approve_many(waiting.filter(pk__in=ids).values_list("pk", flat=True), request.user,
                                    expected_count=count, expected_total_ore=total)
        except FourEyesError as error:
            messages.error(request, " ".join(error.reasons))
        except PaymentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{how_many(len(approved), 'utbetalning', 'utbetalningar')} på sammanlagt "
                                      f"{format_kronor(sum(p.amount_ore for p in approved))} är attesterade.")
        return redirect("staff:payment_list")
    if request.POST.get("all"):
        chosen = list(waiting)
    else:
        chosen = list(waiting.filter(pk__in=_chosen_ids(request)))
    rows, shown = _rows(request, chosen, may_approve=True)
    rows = [row for row in rows if row["approvable"]]
    if not rows:
        messages.error(request, "Kryssa i de utbetalningar som du vill attestera. Du kan bara välja sådana som du får attestera.")
        return redirect("staff:payment_list")
    log_access(user=request.user, persons=shown, action=AccessAction.LIST, target="staff:payment_approve_many",
               request=request)
    total = sum(row["payment"].amount_ore for row in rows)
    return render(request, "payments/payment_confirm.html",
                  {"rows": rows, "count": len(rows), "total_ore": total, "total": format_kronor(total)})


class ReasonForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(label="Skäl", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Skriv skälet."})


class PayeeForm(AccessibleFormMixin, forms.Form):
    payee_kind = forms.ChoiceField(label="Mottagare", choices=PayeeKind.choices)
    payee_name = forms.CharField(label="Mottagarens namn", max_length=140, error_messages={"required": "Skriv mottagarens namn."})
    account = forms.CharField(label="Konto", max_length=40, help_text="Clearingnummer och kontonummer, till exempel 5000-1111116, eller IBAN.",
                              error_messages={"required": "Skriv kontot."})
    reason = forms.CharField(label="Skäl", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Skälet sparas och visas för den sökande i Mitt ärende.",
                             error_messages={"required": "Skriv varför mottagaren eller kontot ändras."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()


def _payee_initial(payment) -> dict:
    return {"payee_kind": payment.payee_kind, "payee_name": payment.payee_name, "account": payment.account}


def _paymentpage_of(request, payment, *, payee_form=None, cancel_form=None, reissue_form=None, status=200):
    rows, shown = _rows(request, [payment], may_approve=request.user.has_perm("payments.approve_payment"))
    log_access(user=request.user, persons=shown, target="staff:payment_detail", request=request)
    may_change = request.user.has_perm("payments.change_payment")
    changeable = payment.status in (PaymentStatus.SCHEDULED, PaymentStatus.APPROVED)
    reissuable = payment.status in (PaymentStatus.REJECTED, PaymentStatus.CANCELLED)
    if reissuable and reissue_form is None:
        reissue_form = PayeeForm(initial=_payee_initial(payment), prefix="reissue")
    return render(
        request,
        "payments/payment_detail.html",
        {
            "row": rows[0],
            "payment": payment,
            "history": payment_history(payment),
            "may_change": may_change,
            "changeable": changeable,
            "reissuable": reissuable,
            "payee_form": payee_form or PayeeForm(initial=_payee_initial(payment), prefix="payee"),
            "cancel_form": cancel_form or ReasonForm(prefix="cancel"),
            "reissue_form": reissue_form,
        },
        status=status,
    )


@require_GET
@person_data_view("payments.view_payment")
def payment_detail(request, pk: int):
    return _paymentpage_of(request, payment_for(request.user, pk))


def _payee_from(form) -> Payee:
    data = form.cleaned_data
    return Payee(data["payee_kind"], data["payee_name"], data["account"])


@require_POST
@person_data_view("payments.view_payment", "payments.change_payment")
def payment_change_payee(request, pk: int):
    return _payment_action(
        request, pk, PayeeForm, "payee", lambda payment, form: change_payee(
            payment, request.user, _payee_from(form), form.cleaned_data["reason"]),
        "Mottagaren är ändrad. Utbetalningen väntar på attest av någon annan än du.", about_account=True)


@require_POST
@person_data_view("payments.view_payment", "payments.change_payment")
def payment_cancel(request, pk: int):
    return _payment_action(
        request, pk, ReasonForm, "cancel", lambda payment, form: cancel(payment, request.user, form.cleaned_data["reason"]),
        "Utbetalningen är stoppad. Beslutet finns under Ej verkställda beslut tills utbetalningen läggs upp igen.")


@require_POST
@person_data_view("payments.view_payment", "payments.change_payment")
def payment_reissue(request, pk: int):
    return _payment_action(
        request, pk, PayeeForm, "reissue", lambda payment, form: reissue(
            payment, request.user, form.cleaned_data["reason"], _payee_from(form)),
        "Utbetalningen är upplagd igen och väntar på attest.", about_account=True)


def _payment_action(request, pk: int, form_class, prefix: str, act, success: str, *, about_account: bool = False):
    """The payment page's change forms (payee, cancel, reissue): validate the form with ``prefix``, call
    ``act(payment, form)`` (a service), and go back to the payment with ``success``, or show the page again
    with the form's errors. With ``about_account`` a refusal that mentions the account is shown at that
    field."""
    payment = payment_for(request.user, pk)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            act(payment, form)
        except PaymentError as error:
            form.add_error("account" if about_account and "kont" in error.message.lower() else None, error.message)
            if about_account:
                form._describe()
        else:
            messages.success(request, success)
            return redirect("staff:payment_detail", pk=payment.pk)
    return _paymentpage_of(request, payment, **{f"{prefix}_form": form}, status=400)


@require_GET
@person_data_view("payments.view_payment")
def payment_unexecuted(request):
    page = page_of(request, unexecuted_decisions(request.user), PAGE_SIZE)
    rows, shown = _rows(request, page.rows)
    log_access(user=request.user, persons=shown, action=AccessAction.LIST, target="staff:payment_unexecuted",
               request=request)
    return render(request, "payments/unexecuted.html", {"page": page, "rows": rows})


@require_GET
@person_data_view("payments.view_payment")
def payment_automated(request):
    """Each day's automatic approvals by a delegation, and what it left for a person (the daily limit).
    Aggregates only: no person is shown, so nothing is access-logged."""
    page = page_of(request, automated_approval_batches(request.user), PAGE_SIZE)
    return render(request, "payments/automated.html", {"page": page})


class BankStatusForm(AccessibleFormMixin, forms.Form):
    file = forms.FileField(label="Bankens fil", help_text="Statusrapport (pain.002) eller debiteringsavi (camt.054) i XML, högst 20 MB.",
                           error_messages={"required": "Välj bankens fil.", "empty": "Filen är tom. Välj en annan fil."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()


MAX_BANK_FILE = 20 * 1024 * 1024


@require_http_methods(["GET", "POST"])
@person_data_view("payments.view_paymentexport", "payments.add_paymentexport")
def payment_bank_status(request):
    result = None
    if request.method == "POST":
        form = BankStatusForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BANK_FILE:
                form.add_error("file", "Filen är större än 20 MB.")
            else:
                try:
                    result = import_bank_status(upload.read(), user=request.user)
                except BankStatusError as error:
                    form.add_error("file", str(error))
            form._describe()
        if result is not None:
            rows, shown = _rows(request, result.rejected)
            log_access(user=request.user, persons=shown, action=AccessAction.LIST, target="staff:payment_bank_status",
                       request=request)
            return render(request, "payments/bank_status.html", {"form": BankStatusForm(), "result": result, "rows": rows})
        return render(request, "payments/bank_status.html", {"form": form}, status=400)
    return render(request, "payments/bank_status.html", {"form": BankStatusForm()})


@require_POST
@person_data_view("payments.view_payment", "payments.approve_payment")
def payment_approve(request, pk: int):
    payment = payment_for(request.user, pk)
    try:
        approve(payment, request.user)
    except FourEyesError as error:
        messages.error(request, " ".join(error.reasons))
    except PaymentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Utbetalningen på {payment.amount_kronor_text} för {payment.decision.month_label} är attesterad."
        )
    return redirect("staff:payment_list")


class ExportForm(AccessibleFormMixin, forms.Form):
    export_date = forms.DateField(
        label="Exportdag",
        help_text="Skriv datumet som ÅÅÅÅ-MM-DD. Betalningar som redan ska betalas ut får den dagen som betaldag.",
        error_messages={"required": "Skriv vilken dag betalfilen gäller.", "invalid": "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-25."},
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._describe()


def _export_list(request, form, status=200):
    page = page_of(request, exports_for(request.user), EXPORT_PAGE_SIZE)
    waiting = approved_waiting_for_export(request.user)
    return render(
        request,
        "payments/export_list.html",
        {
            "page": page,
            "form": form,
            "may_export": request.user.has_perm("payments.add_paymentexport"),
            "waiting_count": waiting["count"],
            "waiting_total": format_kronor(waiting["total_ore"]),
        },
        status=status,
    )


@require_GET
@person_data_view("payments.view_paymentexport")
def payment_export_list(request):
    return _export_list(request, ExportForm(initial={"export_date": next_export_date(request.user)}))


@require_http_methods(["POST"])
@person_data_view("payments.view_paymentexport", "payments.add_paymentexport")
def payment_export_create(request):
    form = ExportForm(request.POST)
    if form.is_valid():
        municipality = for_request(request).municipality
        if municipality is None:  # a superuser without a municipality of their own
            form.add_error(None, "Välj först vilken kommun du arbetar i.")
        else:
            try:
                export = export_payments(municipality, form.cleaned_data["export_date"], user=request.user)
            except ExportError as error:
                form.add_error(None, error.message)
                form._describe()
            else:
                if export.created_now:
                    count = export.payment_count
                    messages.success(request, f"Betalfilen för {export.export_date:%Y-%m-%d} är skapad med "
                                              f"{how_many(count, 'utbetalning', 'utbetalningar')} på {export.total_kronor_text}.")
                else:
                    text = f"Betalfilen för {export.export_date:%Y-%m-%d} fanns redan; den är oförändrad."
                    waiting = approved_waiting_for_export(request.user)["count"]
                    if waiting:
                        many = waiting != 1
                        text += (f" {waiting} attesterad{'e' if many else ''} utbetalning{'ar' if many else ''} "
                                 f"som kom efter den väntar: skapa nästa betalfil "
                                 f"för {next_export_date(request.user):%Y-%m-%d}.")
                    messages.info(request, text)
                return redirect("staff:payment_export_list")
    return _export_list(request, form, status=400)


@require_GET
@person_data_view("payments.view_paymentexport")
def payment_export_download(request, pk: int):
    export = export_for(request.user, pk)
    log_access(
        user=request.user,
        persons=persons_in_export(export),
        action=AccessAction.EXPORT,
        target="staff:payment_export_download",
        request=request,
    )
    try:
        content = verified_content(export)  # re-checked against the stored SHA-256 before every download
    except ExportChecksumError as error:
        messages.error(request, str(error))
        return redirect("staff:payment_export_list")
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@require_GET
@person_data_view("decisions.view_decision", "payments.view_paymentexport")
def unpaid_decisions(request):
    """Favourable decisions not paid within three months (SoL 34 kap. 1–3 §§), for the manager's
    quarterly report to IVO; ``?format=csv`` downloads the list (no names or personnummer in the file)."""
    import csv
    import io

    from bistand.payments.selectors import unpaid_favourable_decisions

    rows = unpaid_favourable_decisions(request.user)
    applicants = [row.decision.application.applicant for row in rows]
    if request.GET.get("format") == "csv":
        log_access(user=request.user, persons=applicants, action=AccessAction.EXPORT, target="staff:unpaid_decisions",
                   request=request)
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["Beslut", "Beslutsdatum", "Månad", "Utfall", "Belopp (kr)", "Dagar sedan beslutet", "Utbetalning"])
        for row in rows:
            d = row.decision
            writer.writerow([d.pk, timezone.localdate(d.issued_at).isoformat(), f"{d.month:%Y-%m}", d.get_outcome_display(),
                             f"{d.amount_ore // 100},{d.amount_ore % 100:02d}", row.days, row.payment_status])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ej-verkstallda-beslut-{timezone.localdate():%Y-%m-%d}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
    reveal = can_see_protected(request.user)
    shown = [{"row": row, "person": present_person(row.decision.application.applicant, reveal=reveal)} for row in rows]
    log_access(user=request.user, persons=applicants, action=AccessAction.LIST, target="staff:unpaid_decisions",
               request=request)
    return render(request, "payments/unpaid_decisions.html", {"rows": shown})
