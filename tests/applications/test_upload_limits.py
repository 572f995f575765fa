"""Uploads: an oversized body is refused from its Content-Length before it is read; the stored file's
extension follows the detected type, never the name the applicant gave."""

from __future__ import annotations

import io

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory

from bistand.middleware import UPLOAD_FORM_OVERHEAD, UploadSizeLimitMiddleware

from .test_attachments import draft  # noqa: F401


class UnreadableBody(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


def upload_request(length: int) -> WSGIRequest:
    request = RequestFactory().post("/e-tjanst/ansokan/1/bilagor/", data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_TYPE"] = "multipart/form-data; boundary=x"
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["wsgi.input"] = UnreadableBody()
    request._stream = UnreadableBody()
    return request


def test_an_upload_larger_than_the_limit_is_refused_before_the_body_is_read(settings):
    settings.BISTAND_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    middleware = UploadSizeLimitMiddleware(lambda request: pytest.fail("the view was called"))
    response = middleware(upload_request(settings.BISTAND_ATTACHMENT_MAX_BYTES + UPLOAD_FORM_OVERHEAD + 1))
    assert response.status_code == 413
    assert "högst 10 MB" in response.content.decode()


def test_an_upload_within_the_limit_reaches_the_view(settings):
    settings.BISTAND_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    middleware = UploadSizeLimitMiddleware(lambda request: "view")
    assert middleware(upload_request(5 * 1024 * 1024)) == "view"


def test_the_middleware_runs_before_csrf_reads_the_body(settings):
    order = settings.MIDDLEWARE
    assert order.index("bistand.middleware.UploadSizeLimitMiddleware") < order.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )


@pytest.mark.django_db
def test_the_stored_name_takes_the_extension_of_the_detected_type_not_the_given_name(draft, attachment_dir):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bistand.applications import services
    from tests.applications.test_attachments import PNG

    application, person = draft
    attachment = services.add_attachment(application, person=person,
                                         uploaded=SimpleUploadedFile("kvitto.pdf.html", PNG))
    assert attachment.file.name.endswith(".png")
    assert attachment.original_name == "kvitto.pdf.html" and attachment.content_type == "image/png"
