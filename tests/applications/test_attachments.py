"""Attachments: type checked by content, size limited, stored outside the web root, served only to the
applicant and to staff of the municipality (with an access-log row)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bistand.applications import services
from bistand.applications.models import Attachment
from bistand.audit.models import AccessLog
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, PersonFactory, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def draft():
    person = PersonFactory(municipality=MunicipalityFactory())
    return services.start_application(person=person, month=dt.date(2026, 3, 1)), person


def test_a_pdf_is_stored_in_the_attachment_directory_with_a_random_name(draft, attachment_dir):
    application, person = draft
    key = application.submission_key
    attachment = services.add_attachment(application, person=person, kind="rent",
                                         uploaded=SimpleUploadedFile("Hyresavi mars.pdf", PDF, content_type="text/html"))
    path = Path(attachment.file.path)
    assert path.read_bytes() == PDF
    assert path.is_relative_to(attachment_dir)
    assert "Hyresavi" not in path.name and path.suffix == ".pdf"
    assert attachment.original_name == "Hyresavi mars.pdf"
    assert attachment.content_type == "application/pdf"  # from the content, not from what the browser said
    assert attachment.size == len(PDF)
    static_root = Path(settings.STATIC_ROOT).resolve()
    assert not path.resolve().is_relative_to(static_root)
    application.refresh_from_db()
    assert application.submission_key != key  # what is signed includes the attachments
    with pytest.raises(ValueError):
        _ = attachment.file.url  # no URL: only the views send files


@pytest.mark.parametrize("name,content,message", [
    ("brev.pdf", b"<html><script>alert(1)</script></html>", "Skicka en PDF eller en bild"),
    ("program.exe", b"MZ\x90\x00" + b"\x00" * 20, "Skicka en PDF eller en bild"),
    ("tom.pdf", b"", "Filen är tom"),
])
def test_files_that_are_not_pdf_jpg_or_png_are_refused_with_a_message(draft, name, content, message):
    application, person = draft
    with pytest.raises(ValidationError) as caught:
        services.add_attachment(application, person=person, uploaded=SimpleUploadedFile(name, content))
    assert message in caught.value.message_dict["file"][0]
    assert not Attachment.objects.exists()


def test_too_large_files_are_refused(draft, settings):
    application, person = draft
    settings.BISTAND_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as caught:
        services.add_attachment(application, person=person, uploaded=SimpleUploadedFile("stor.png", PNG + b"\x00" * 2000))
    assert "Filen är för stor" in caught.value.message_dict["file"][0]
    assert "högst 0,0 MB" in caught.value.message_dict["file"][0] or "högst" in caught.value.message_dict["file"][0]


def test_removing_an_attachment_deletes_the_file_after_commit(draft, django_capture_on_commit_callbacks):
    application, person = draft
    attachment = services.add_attachment(application, person=person, uploaded=SimpleUploadedFile("a.png", PNG))
    path = Path(attachment.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(attachment, person=person)
    assert not path.exists()
    assert not Attachment.objects.exists()


def test_a_submitted_application_takes_files_only_as_answers_to_completion_requests(draft):
    application, person = draft
    from tests.applications.test_services import fill_all

    application = fill_all(application, person)
    application = services.submit(application, application.submission_key, person=person).application
    with pytest.raises(ValidationError):
        services.add_attachment(application, person=person, uploaded=SimpleUploadedFile("a.pdf", PDF))


def test_staff_download_is_scoped_and_logged(client, draft):
    application, person = draft
    attachment = services.add_attachment(application, person=person, uploaded=SimpleUploadedFile("avi.pdf", PDF))
    url = f"/handlaggning/ansokningar/{application.pk}/bilagor/{attachment.pk}/"
    caseworker = user_with_role(Role.CASEWORKER, application.municipality)
    client.force_login(caseworker)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(user=caseworker, person=person, target="applications:attachment").count() == 1

    outsider = user_with_role(Role.CASEWORKER, MunicipalityFactory())
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
