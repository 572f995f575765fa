"""`bistand backup` and `bistand restore`: a backup restored into a fresh database has every table with
the same number of rows, and the decisions, their lines and the payments byte for byte (checksums)."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bistand.audit.models import AccessLog
from bistand.payments.models import Payment
from bistand.retention import backup
from tests.factories import AccessLogFactory, MunicipalityFactory
from tests.payments.factories import issued_decision, payment

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def fresh_database(tmp_path):
    """An empty database of the same kind as the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield backup.target_settings(name=str(tmp_path / "fresh.sqlite3"))
        return
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield backup.target_settings(name=name)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def some_cases():
    municipality = MunicipalityFactory()
    for _ in range(3):
        decision = issued_decision(municipality)
        payment(decision)
        AccessLogFactory(person=decision.application.applicant, municipality=municipality)


def test_a_backup_restored_into_a_fresh_database_has_every_row_and_the_same_decisions_and_payments(tmp_path):
    some_cases()
    before = backup.fingerprint(connection.settings_dict)
    assert before["counts"]["decisions_decision"] == 3 and before["counts"]["payments_payment"] == 3
    out = tmp_path / "bistand.backup"
    call_command("backup", "--out", str(out), stdout=open(tmp_path / "log", "w"))
    assert out.stat().st_size > 0
    with fresh_database(tmp_path) as fresh:
        assert not backup.fingerprint(fresh)["counts"].get("decisions_decision")
        backup.restore(out, fresh)
        after = backup.fingerprint(fresh)
    assert after["counts"] == before["counts"]
    assert after["checksums"] == before["checksums"]
    assert json.loads(backup.manifest_path(out).read_text())["checksums"] == before["checksums"]


def test_restore_brings_back_what_was_lost_and_checks_it_against_the_manifest(tmp_path):
    some_cases()
    out = tmp_path / "bistand.backup"
    call_command("backup", "--out", str(out), stdout=open(tmp_path / "log", "w"))
    before = backup.fingerprint(connection.settings_dict)
    call_command("flush", "--noinput")  # the data is lost
    assert not AccessLog.objects.exists()
    connection.close()
    call_command("restore", str(out), "--noinput", stdout=open(tmp_path / "log", "w"))
    assert backup.fingerprint(connection.settings_dict) == before
    assert Payment.objects.count() == 3


def test_a_restore_that_does_not_match_its_manifest_is_reported_in_swedish(tmp_path):
    some_cases()
    out = tmp_path / "bistand.backup"
    call_command("backup", "--out", str(out), stdout=open(tmp_path / "log", "w"))
    manifest = json.loads(backup.manifest_path(out).read_text())
    manifest["counts"]["payments_payment"] += 1
    manifest["checksums"]["decisions_decision"] = "0" * 64
    backup.manifest_path(out).write_text(json.dumps(manifest))
    with fresh_database(tmp_path) as fresh, pytest.raises(backup.BackupError) as caught:
        backup.restore(out, fresh)
    assert "stämmer inte" in str(caught.value)
    assert "payments_payment" in str(caught.value) and "decisions_decision (kontrollsumma)" in str(caught.value)


def test_a_backup_that_does_not_exist_is_refused_by_name(tmp_path):
    with pytest.raises(CommandError, match="finns inte"):
        call_command("restore", str(tmp_path / "saknas.backup"), "--noinput")
