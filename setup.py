"""The one compiled part of Bistånd (everything else is in pyproject.toml).

bistand.engine._linescan is the batch reader's fast path (see src/bistand/engine/_linescan.c). It is built
at install, and a failed build fails the install: `bistand calculate --batch` uses it unless
BISTAND_BATCH_READER=python says otherwise (bistand.engine.readers), so a machine must not end up without
it by accident. Only an install with BISTAND_BATCH_READER=python in its environment leaves it out — what
scripts/bootstrap does, with a warning, where there is no C compiler; the pure-Python reader gives the same
results, about two and a half times slower.
"""

import os

from setuptools import Extension, setup

COMPILED_READER = Extension(
    "bistand.engine._linescan",
    sources=["src/bistand/engine/_linescan.c"],
    extra_compile_args=["-O2"],
)

setup(ext_modules=[] if os.environ.get("BISTAND_BATCH_READER") == "python" else [COMPILED_READER])
