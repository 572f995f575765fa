"""The batch engine: many households at once, by the law of `bistand.rules` (pure Python + NumPy, no Django).

`bistand.rules` is the law — the model, the dated parameters, the single-household calculation
(`calculate.py`) and the warnings' texts (`warnings.py`). This package only makes that law fast for many
households, and uses only the law package's public names:

- `batch`: the calculation vectorised over columns of households (`HouseholdArrays`, `calculate_arrays`);
- `batch_io`: the readers of JSON Lines (msgspec, and the compiled `_linescan` when it is built), the
  writer, and the batch runner (`run_batch`, parallel worker processes) behind `bistand calculate --batch`;
  `calculate_documents` for the API's `POST /api/v1/calculations/batch`;
- `cli`: the `bistand calculate` command.

A change of the law is made in `bistand.rules` alone; the differential tests (tests/engine) prove that the
engine gives exactly the single path's results. Nothing is imported here, so that `bistand calculate
FILE.json` starts without NumPy.
"""
