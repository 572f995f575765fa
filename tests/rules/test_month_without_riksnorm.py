"""A month whose year has no riksnorm is an input error on `month`, whatever the year (also year 0)."""

import pytest

from bistand.rules import CalculationInputError, load_parameters


@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1900-02", "9999-12"])
def test_a_year_without_riksnorm_is_an_error_on_month_not_a_crash(month):
    with pytest.raises(CalculationInputError) as info:
        load_parameters(month)
    assert info.value.field == "month"
