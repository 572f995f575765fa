"""bistand import-population and the population-based shares: all or nothing, and a share without
population data says so instead of guessing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bistand.followup.history import HistoryFileError
from bistand.followup.indicators import Scope
from bistand.followup.models import Population
from bistand.followup.population import import_population, population_of, population_shares
from tests.factories import MunicipalityFactory, RegionFactory

pytestmark = pytest.mark.django_db

HEADER = "municipality,year,sex,age_group,population\n"


@pytest.fixture
def region():
    region = RegionFactory(name="Region Test")
    MunicipalityFactory(code="0680", name="Jönköping", region=region)
    MunicipalityFactory(code="0662", name="Gislaved", region=region)
    return region


def _file(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


JONKOPING = _file(*[f"0680,2025,{sex},{group},{n}" for sex in ("women", "men")
                    for group, n in (("0-17", 15000), ("18-24", 7000), ("25-64", 36000), ("65+", 14000))])


def test_import_writes_one_row_per_group_and_importing_again_changes_nothing(region):
    assert import_population(JONKOPING) == (8, 0)
    assert import_population(JONKOPING) == (0, 0)
    assert import_population(JONKOPING.replace(b"7000", b"7100")) == (0, 2)
    assert Population.objects.get(sex="men", age_from=18).population == 7100


def test_one_faulty_row_writes_nothing_and_is_named_by_line_and_column(region):
    data = _file("0680,2025,women,18-24,7000", "0680,2025,kvinna,25-64,100", "0680,25,men,10-5,x")
    with pytest.raises(HistoryFileError) as caught:
        import_population(data)
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (3, "sex"), (4, "year"), (4, "age_group"), (4, "population")]
    assert Population.objects.count() == 0


def test_population_of_sums_the_groups_inside_the_ages_and_refuses_groups_that_do_not_fit(region):
    import_population(JONKOPING)
    ids = [region.municipalities.get(code="0680").pk]
    assert population_of(ids, 2025, 0, None) == (144000, "")
    assert population_of(ids, 2025, 18, None) == (114000, "")
    assert population_of(ids, 2025, 18, 24) == (14000, "")
    total, note = population_of(ids, 2025, 20, 24)
    assert total is None and "20–24" in note


def test_a_share_without_population_data_is_none_and_says_what_is_missing(region):
    import_population(JONKOPING)
    indicators = {"recipients": 720, "long_term_adults": 228, "young_adults_18_24": 70}
    shares = population_shares(Scope.region(region), 2025, indicators)
    assert all(share.value is None for share in shares.values())
    assert "Befolkningsuppgifter saknas för 2025 (Gislaved)" in shares["recipients_share"].note
    jonkoping = Scope.municipality(region.municipalities.get(code="0680"))
    shares = population_shares(jonkoping, 2025, indicators)
    assert shares["recipients_share"].value == Decimal("0.50")  # 720 / 144 000
    assert shares["long_term_adults_share"].value == Decimal("0.20")  # 228 / 114 000
    assert shares["young_adults_share"].value == Decimal("0.50")  # 70 / 14 000


def test_the_command_refuses_a_faulty_file(region, tmp_path):
    path = tmp_path / "folkmangd.csv"
    path.write_bytes(_file("9999,2025,women,0-17,1"))
    with pytest.raises(CommandError, match="Rad 2, kolumn municipality"):
        call_command("import-population", str(path))
