"""A bank file is re-checked against the SHA-256 stored when it was made before every download: a file
changed in the database is never handed out."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bistand.payments.models import PaymentExport
from bistand.payments.services import approve, export_payments
from bistand.tenancy.roles import Role
from tests.factories import user_with_role

from .test_views import approver, caseworker, municipality, scheduled  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(municipality, caseworker):  # noqa: F811
    approve(scheduled(municipality, caseworker), user_with_role(Role.APPROVER, municipality))
    import datetime as dt

    return export_payments(municipality, dt.date(2026, 3, 25))


def tamper(export):
    content = bytes(export.content).replace(b"</Nm>", b"X</Nm>", 1)
    assert content != bytes(export.content)
    PaymentExport.objects.filter(pk=export.pk).update(content=content)


def test_an_intact_bank_file_is_downloaded(client, approver, export):  # noqa: F811
    client.force_login(approver)
    response = client.get(reverse("staff:payment_export_download", args=[export.pk]))
    assert response.status_code == 200 and response.content == bytes(export.content)


def test_a_bank_file_changed_in_the_database_is_not_downloaded(client, approver, export):  # noqa: F811
    tamper(export)
    client.force_login(approver)
    response = client.get(reverse("staff:payment_export_download", args=[export.pk]), follow=True)
    assert response.get("Content-Disposition") is None
    assert "stämmer inte med kontrollsumman" in response.content.decode()


def test_the_export_command_does_not_write_a_changed_bank_file(export, municipality, tmp_path):  # noqa: F811
    tamper(export)
    with pytest.raises(CommandError, match="stämmer inte med kontrollsumman"):
        call_command("export-payments", "--municipality", municipality.code, "--date", "2026-03-25",
                     "--out", str(tmp_path / "fil.xml"))
    assert not (tmp_path / "fil.xml").exists()
