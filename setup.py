"""The optional compiled build: `IMR_RULES_COMPILE=1 pip install --no-build-isolation .` in an
environment that has mypy, setuptools, the package's dependencies and a C compiler compiles the
modules of the per-letter path with mypyc (`make compiled`). Without the variable the package is
pure Python. Both builds give the same outputs: `make test` runs the whole suite on each."""

import os
import sys

from setuptools import setup

# The per-letter path: parse, extraction, and the evaluation of the pack's conditions by the
# engine. Left interpreted: the modules that define pydantic models (mypyc rewrites their
# annotations), and the CLI, pack loading and rendering, where little time goes.
COMPILED = ["textmatch", "assertion", "lexicon", "dates", "dosing", "classify", "letters", "facts",
            "conditions", "engine"]


def _compiling() -> bool:
    # Only when asked, and not for the metadata step (mypyc would type-check and translate
    # every module twice: once for the metadata, once for the wheel).
    return (os.environ.get("IMR_RULES_COMPILE") == "1"
            and not {"egg_info", "dist_info"} & set(sys.argv[1:]))


ext_modules = []
if _compiling():
    from mypyc.build import mypycify

    ext_modules = mypycify([f"src/imr_rules/{name}.py" for name in COMPILED], opt_level="3")

setup(ext_modules=ext_modules)
