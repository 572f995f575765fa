"""The attachments of a draft application: adding, removing and downloading them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bistand.applications import selectors, services
from bistand.applications.views import file_response

from .. import forms
from ..session import applicant_required
from .common import own_draft, step_states


@require_http_methods(["GET", "POST"])
@applicant_required
def attachments(request, pk: int):
    application, person = own_draft(request, pk)
    form = forms.AttachmentForm(max_bytes=services.max_attachment_bytes())
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action.startswith("remove-"):
            try:
                attachment = application.attachments.get(pk=int(action.split("-", 1)[1]))
            except (ValueError, application.attachments.model.DoesNotExist):
                raise Http404("Sidan finns inte.") from None
            services.remove_attachment(attachment, person=person)
            messages.success(request, _("Filen %(name)s är borttagen.") % {"name": attachment.original_name})
            return redirect("portal:attachments", pk=pk)
        form = forms.AttachmentForm(request.POST, request.FILES, max_bytes=services.max_attachment_bytes())
        if form.is_valid():
            try:
                attachment = services.add_attachment(application, person=person, uploaded=form.cleaned_data["file"],
                                                     kind=form.cleaned_data["kind"])
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Filen %(name)s är bifogad.") % {"name": attachment.original_name})
                return redirect("portal:attachments", pk=pk)
        status = 400
    return render(request, "portal/attachments.html", {
        "application": application, "form": form, "attachments": list(application.attachments.all()),
        "steps": step_states(application), "section": "attachments",
    }, status=status)


@require_GET
@applicant_required
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.own_attachment(request.applicant.person_ids, pk, attachment_pk)
    return file_response(attachment)
