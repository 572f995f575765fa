"""Writing a research export's files with pyarrow: per table a Parquet file and a CSV file, the codebook
(Swedish and English) and the manifest (the project, the row counts and the SHA-256 of every file).

The tables are written with explicit schemas from :data:`bistand.research.export_tables.COLUMNS`, without
timestamps or other changing metadata, so that the same rows give the same bytes: exporting again with no
new data gives identical files except the manifest's time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .export_tables import HOUSEHOLD_TYPES

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow is imported where a file is written, not with this module: the admin imports the research services
# at every start of Django (every `bistand` command, every web worker), and pyarrow costs about a third of a
# second of CPU to import (tests/research/test_simulation.py).

CODEBOOK = "codebook.csv"
MANIFEST = "manifest.json"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _table(rows: list[dict[str, Any]], columns) -> pa.Table:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "bool": pa.bool_()}
    schema = pa.schema([pa.field(name, types[kind]) for name, kind, *_ in columns])
    data = {name: [row.get(name) for row in rows] for name, *_ in columns}
    return pa.Table.from_pydict(data, schema=schema)


def write_table(out_dir: Path, name: str, rows: list[dict[str, Any]], columns) -> dict[str, Any]:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = _table(rows, columns)
    parquet, csv = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    pq.write_table(table, parquet, compression="zstd", store_schema=False)
    pa_csv.write_csv(table, csv)
    return {"rows": table.num_rows, "files": {parquet.name: sha256_of(parquet), csv.name: sha256_of(csv)}}


def write_codebook(out_dir: Path, tables: dict[str, list]) -> Path:
    """One row per table and column: type, Swedish and English meaning, and the codes where there are any."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    household_codes = "; ".join(f"{code} = {label}" for code, label in HOUSEHOLD_TYPES.items()) + (
        "; grupper efter k-anonymitet / groups after k-anonymity: 3+5, 4+6, 1+9")
    rows = []
    for table, columns in tables.items():
        for name, kind, sv, en in columns:
            rows.append({"table": table, "variable": name, "type": kind, "description_sv": sv, "description_en": en,
                         "values": household_codes if name == "household_type" else ""})
    schema = pa.schema([pa.field(n, pa.string()) for n in
                        ("table", "variable", "type", "description_sv", "description_en", "values")])
    path = out_dir / CODEBOOK
    pa_csv.write_csv(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    path = out_dir / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
