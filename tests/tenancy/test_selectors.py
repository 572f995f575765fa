"""Reads of memberships (tenancy.selectors) that the staff pages use instead of querying the ORM."""

from __future__ import annotations

import pytest

from bistand.tenancy.roles import Role
from bistand.tenancy.selectors import has_role
from tests.factories import MunicipalityFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_has_role_is_true_only_for_a_user_with_a_membership_in_that_role():
    municipality = MunicipalityFactory()
    researcher = user_with_role(Role.RESEARCHER, municipality)
    caseworker = user_with_role(Role.CASEWORKER, municipality)
    assert has_role(researcher, Role.RESEARCHER)
    assert not has_role(caseworker, Role.RESEARCHER)
    assert not has_role(UserFactory(), Role.RESEARCHER)
