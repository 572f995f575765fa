"""The one compiled part of Bistånd (everything else is in pyproject.toml).

bistand.engine._linescan is the batch reader's fast path (see src/bistand/engine/_linescan.c). It is
optional: without a C compiler the install goes on, and `bistand calculate --batch` reads with its
pure-Python path (the same results, about two and a half times slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "bistand.engine._linescan",
            sources=["src/bistand/engine/_linescan.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
