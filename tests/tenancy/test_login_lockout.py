"""Failed sign-ins are throttled per account and per address (django-axes) and logged as audit events:
the staff login, the admin login and API keys."""

from __future__ import annotations

import pytest
from django.test import Client

from bistand.api.services import create_api_client
from bistand.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "rätt-lösenord-123"
LOGINS = {"staff": "/konto/logga-in/", "admin": "/admin/login/"}
CALC = "/api/v1/calculations"


@pytest.fixture
def user():
    user = UserFactory(username="eva", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client, which, username, password, address="10.0.0.1"):
    return client.post(LOGINS[which], {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("which", ["staff", "admin"])
def test_an_account_is_locked_after_five_failures_even_with_the_right_password(client, user, settings, which):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, which, "eva", f"fel-{n}", address=f"10.0.1.{n}").status_code == 200
    assert login(client, which, "eva", "fel-sista", address="10.0.1.9").status_code == 429  # the limit
    response = login(client, which, "eva", PASSWORD, address="10.0.2.1")
    assert response.status_code == 429
    assert "För många misslyckade inloggningar" in response.content.decode()
    assert not signed_in(client)


@pytest.mark.parametrize("which", ["staff", "admin"])
def test_an_address_is_locked_after_five_failures_on_any_accounts(client, user, settings, which):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, which, f"okand-{n}", "fel", address="10.0.3.3")
    assert login(client, which, "eva", PASSWORD, address="10.0.3.3").status_code == 429
    assert not signed_in(client)
    other = Client()
    assert login(other, which, "eva", PASSWORD, address="10.0.4.4").status_code == 302  # the account is not locked


def test_a_success_before_the_limit_resets_the_count(client, user, settings):
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "staff", "eva", "fel")
    assert login(client, "staff", "eva", PASSWORD).status_code == 302


@pytest.mark.parametrize("which", ["staff", "admin"])
def test_a_failed_login_is_an_audit_event_without_the_password(client, user, which):
    login(client, which, "eva", "hemligt-fel", address="10.0.5.5")
    event = AuditEvent.objects.get(model="auth.failedlogin")
    assert event.changes["username"]["new"] == "eva"
    assert event.changes["ip_address"]["new"] == "10.0.5.5"
    assert event.changes["path"]["new"] == LOGINS[which]
    assert "hemligt-fel" not in str(event.changes)


def test_wrong_api_keys_are_logged_and_the_address_is_locked(client, settings):
    _, key = create_api_client(name="Verktyg")
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(CALC, data="{}", content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer bst_fel{n}", REMOTE_ADDR="10.0.6.6")
        assert response.status_code == (401 if n < settings.AXES_FAILURE_LIMIT - 1 else 429)
    assert AuditEvent.objects.filter(model="auth.failedlogin").count() == settings.AXES_FAILURE_LIMIT
    locked = client.post(CALC, data="{}", content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.6.6")
    assert locked.status_code == 429
    assert "För många misslyckade inloggningar" in locked.json()["detail"]
    elsewhere = client.post(CALC, data="{}", content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR="10.0.7.7")
    assert elsewhere.status_code == 422  # the key works from another address
