"""Staff pages of the applications app: sending an attachment to a member of staff (the case page
itself belongs to the case-handling pages). Every read writes the access log."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from bistand.audit.services import log_access
from bistand.tenancy.decorators import person_data_view

from .selectors import attachment_for


def file_response(attachment) -> FileResponse:
    """The attachment as a download: the stored (checked) type, never shown inline by the browser."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("Filen finns inte.") from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@person_data_view("applications.view_application", "applications.view_attachment")
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = attachment_for(request.user, pk, attachment_pk)
    application = attachment.application
    persons = [application.applicant] + ([application.co_applicant] if application.co_applicant_id else [])
    log_access(user=request.user, persons=persons, target="applications:attachment", request=request)
    return file_response(attachment)
