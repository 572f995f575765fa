"""The simulation's batch calculation with changed parameters gives exactly what the single path (the law)
gives with the same changed parameter sets (Hypothesis, generated households of the engine's tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bistand.engine.batch_io import decode_jsonl
from bistand.research.simulation import simulate_arrays
from bistand.rules import calculate, decode_input, load_parameters
from bistand.rules.whatif import ParameterChange, apply_change
from tests.engine.test_batch import as_line, households

CHANGES = st.one_of(
    st.integers(-20, 30).map(lambda p: ParameterChange.build(str(p))),
    st.sampled_from([
        ParameterChange.build("0", ["local.*.housing_cost_ceiling.1.0=5000", "local.*.housing_cost_ceiling.2.1=6000"]),
        ParameterChange.build("2,5", ["local.0680.rounding=down", "jobbstimulans.rate=50"]),
        ParameterChange.build("0", ["local.*.part_month_divisor=30", "riksnorm.shared_costs.1=1500"]),
        ParameterChange.build("-3", ["local.*.cost_caps.other=100", "prisbasbelopp=50000"]),
    ]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=st.lists(households(municipalities=(None, "0680", "0662", "0684", "1499")), min_size=1, max_size=10),
       change=CHANGES)
def test_the_simulated_amounts_are_the_single_paths_amounts_with_the_changed_parameters(docs, change):
    lines = [as_line(doc) for doc in docs]
    arrays = decode_jsonl(b"\n".join(lines))
    report = simulate_arrays(arrays, np.arange(len(docs)), change)
    before, after = [], []
    for line in lines:
        inp = decode_input(line)
        ps = load_parameters(inp.month, inp.municipality_code)
        before.append(calculate(inp, parameters=ps).amount)
        after.append(calculate(inp, parameters=apply_change(ps, change)).amount)
    assert report.cost_before == sum(before)
    assert report.cost_after == sum(after)
    assert report.households_gaining == sum(a > b for a, b in zip(after, before, strict=False))
    assert report.households_losing == sum(a < b for a, b in zip(after, before, strict=False))
