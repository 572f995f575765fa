import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_engine_matches_database_url():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.django_db
def test_a_write_spanning_rows_is_rolled_back_as_a_whole():
    from django.contrib.auth.models import Group
    from django.db import transaction

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Group.objects.create(name="a")
            Group.objects.create(name="b")
            raise RuntimeError("stop")
    assert not Group.objects.filter(name__in=["a", "b"]).exists()
