"""The applicant's answer to a request for more information (komplettering)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bistand.applications import selectors, services

from .. import forms
from ..session import applicant_required
from .common import person_for


@require_http_methods(["GET", "POST"])
@applicant_required
def completion(request, pk: int):
    completion_request = selectors.own_completion_request(request.applicant.person_ids, pk)
    application = completion_request.application
    person = person_for(request, application)
    form = forms.CompletionAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [form.cleaned_data["file"]] if form.cleaned_data.get("file") else []
        try:
            services.answer_completion(completion_request, person=person, answer=form.cleaned_data["answer"], files=files)
        except ValidationError as failure:
            form.add_service_errors(ValidationError({("file" if k == "file" else "answer"): v for k, v in failure.message_dict.items()}))
        else:
            messages.success(request, "Tack! Ditt svar har skickats till kommunen.")
            return redirect("portal:application", pk=application.pk)
    return render(request, "portal/completion.html", {"completion": completion_request, "application": application,
                                                      "form": form}, status=400 if form.errors else 200)
