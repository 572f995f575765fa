"""bistand export-payments --municipality KOMMUNKOD --date YYYY-MM-DD --out FILE"""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import CommandError, call_command

from bistand.payments.models import PaymentExport, PaymentStatus
from bistand.payments.services import approve, schedule_payment
from bistand.tenancy.roles import Role
from tests.factories import MunicipalityFactory, user_with_role

from . import schema
from .factories import debtor_account, issued_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(name="Testby")
    debtor_account(municipality)
    return municipality


def approved(municipality):
    decision = issued_decision(municipality, decided_by=user_with_role(Role.CASEWORKER, municipality))
    return approve(schedule_payment(decision), user_with_role(Role.APPROVER, municipality))


def run(municipality, day, out) -> str:
    stdout = io.StringIO()
    call_command("export-payments", "--municipality", municipality.code, "--date", day, "--out", str(out), stdout=stdout)
    return stdout.getvalue()


def test_the_command_writes_a_valid_bank_file_and_says_what_is_in_it(municipality, tmp_path):
    approved(municipality)
    approved(municipality)
    out = tmp_path / "betalfil.xml"
    message = run(municipality, "2026-03-25", out)
    schema.validate(out.read_bytes())
    assert out.read_bytes() == bytes(PaymentExport.objects.get().content)
    assert "är skapad: 2 utbetalningar på sammanlagt" in message
    assert [p.name for p in tmp_path.iterdir()] == ["betalfil.xml"]  # no temporary file left behind


def test_running_it_again_for_the_same_date_writes_the_same_file(municipality, tmp_path):
    approved(municipality)
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    run(municipality, "2026-03-25", first)
    late = approved(municipality)
    message = run(municipality, "2026-03-25", second)
    assert second.read_bytes() == first.read_bytes()
    assert "fanns redan" in message
    assert "1 attesterade utbetalningar väntar på nästa betalfil" in message
    assert run(municipality, "2026-03-25", first)  # the same file again over itself is fine
    late.refresh_from_db()
    assert late.status == PaymentStatus.APPROVED


def test_an_existing_file_with_other_content_is_not_overwritten_and_nothing_is_exported(municipality, tmp_path):
    payment = approved(municipality)
    out = tmp_path / "betalfil.xml"
    out.write_text("en annan fil")
    with pytest.raises(CommandError, match="finns redan och innehåller något annat"):
        run(municipality, "2026-03-25", out)
    assert out.read_text() == "en annan fil"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.APPROVED and not PaymentExport.objects.exists()


def test_when_nothing_can_be_exported_no_file_is_written(municipality, tmp_path):
    out = tmp_path / "betalfil.xml"
    with pytest.raises(CommandError, match="inga attesterade utbetalningar"):
        run(municipality, "2026-03-25", out)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file_and_the_same_file_can_be_written_later(municipality, tmp_path, monkeypatch):
    approved(municipality)
    out = tmp_path / "betalfil.xml"

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(CommandError, match="kunde inte skrivas"):
        run(municipality, "2026-03-25", out)
    assert list(tmp_path.iterdir()) == []  # neither the file nor the temporary file
    monkeypatch.undo()
    run(municipality, "2026-03-25", out)
    assert out.read_bytes() == bytes(PaymentExport.objects.get().content)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--municipality", "9999", "--date", "2026-03-25"], "ingen kommun med kommunkoden"),
        (["--date", "25/3 2026"], "ÅÅÅÅ-MM-DD"),
    ],
)
def test_wrong_arguments_get_swedish_messages(municipality, tmp_path, arguments, message):
    base = {"--municipality": municipality.code, "--date": "2026-03-25", "--out": str(tmp_path / "f.xml")}
    for key, value in zip(arguments[::2], arguments[1::2], strict=True):
        base[key] = value
    with pytest.raises(CommandError, match=message):
        call_command("export-payments", *[x for pair in base.items() for x in pair])


def test_a_missing_folder_is_reported(municipality, tmp_path):
    with pytest.raises(CommandError, match="Mappen"):
        run(municipality, "2026-03-25", tmp_path / "saknas" / "f.xml")
