"""Staff pages for payments: approval with four eyes (attest), and the bank files.

* ``payment_list`` — payments of the current municipality that wait for approval. One AccessLog row
  per applicant shown (one INSERT); a fixed number of queries whatever the number of rows. Each row says
  why the user may not approve it, when that is so (four eyes).
* ``payment_approve`` — POST: approve one payment (bistand.payments.services.approve checks four eyes).
* ``payment_export_list`` / ``payment_export_create`` / ``payment_export_download`` — the bank files
  (pain.001.001.09): list, make today's (or another date's) file, download one. A download writes one
  AccessLog row (action export) per applicant in the file.

Every read goes through bistand.payments.selectors (scoped to the user's municipality); persons are
shown through bistand.people.presenters (protected identities hidden).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bistand.audit.models import AccessAction
from bistand.audit.services import log_access
from bistand.payments.models import PayeeKind, format_kronor
from bistand.payments.selectors import (
    ExportChecksumError,
    approved_waiting_for_export,
    export_for,
    exports_for,
    payment_for,
    payments_awaiting_approval,
    persons_in_export,
    verified_content,
)
from bistand.payments.services import ExportError, FourEyesError, PaymentError, approve, export_payments, four_eyes_conflicts
from bistand.people.forms import AccessibleFormMixin
from bistand.people.presenters import PROTECTED_TEXT, can_see_protected, present_person
from bistand.tenancy.current import for_request
from bistand.tenancy.decorators import person_data_view

PAGE_SIZE = 50
EXPORT_PAGE_SIZE = 25


def _page(request, queryset, size: int):
    page = Paginator(queryset, size).get_page(request.GET.get("page"))
    page.rows = list(page.object_list)
    return page


@require_GET
@person_data_view("payments.view_payment")
def payment_list(request):
    page = _page(request, payments_awaiting_approval(request.user), PAGE_SIZE)
    reveal = can_see_protected(request.user)
    may_approve = request.user.has_perm("payments.approve_payment")
    rows, shown = [], []
    for payment in page.rows:
        applicant = payment.decision.application.applicant
        shown.append(applicant)
        person = present_person(applicant, reveal=reveal)
        payee_name = payment.payee_name
        if payment.payee_kind == PayeeKind.APPLICANT and person.hidden:
            payee_name = PROTECTED_TEXT
        account = payment.parsed_account() if payment.account else None
        rows.append(
            {
                "payment": payment,
                "person": person,
                "payee_name": payee_name,
                "account": account.display if account else "",
                "conflicts": four_eyes_conflicts(payment, request.user) if may_approve else [],
            }
        )
    log_access(user=request.user, persons=shown, action=AccessAction.LIST, target="staff:payment_list", request=request)
    waiting = approved_waiting_for_export(request.user)
    return render(
        request,
        "payments/payment_list.html",
        {
            "page": page,
            "rows": rows,
            "may_approve": may_approve,
            "waiting_count": waiting["count"],
            "waiting_total": format_kronor(waiting["total_ore"]),
            "may_see_exports": request.user.has_perm("payments.view_paymentexport"),
        },
    )


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
    page = _page(request, exports_for(request.user), EXPORT_PAGE_SIZE)
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
    return _export_list(request, ExportForm(initial={"export_date": timezone.localdate()}))


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
                    messages.success(request, f"Betalfilen för {export.export_date:%Y-%m-%d} är skapad med "
                                              f"{export.payment_count} utbetalningar på {export.total_kronor_text}.")
                else:
                    messages.info(request, f"Betalfilen för {export.export_date:%Y-%m-%d} fanns redan; den är oförändrad.")
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
