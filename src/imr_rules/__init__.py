"""imr-rules: check IMR decisions against the guideline criteria they rest on."""

from importlib.util import find_spec

__version__ = "0.1.0"


def build() -> str:
    """'compiled' when this install's per-letter modules were compiled with mypyc (see
    setup.py), else 'pure'; found without importing them."""
    spec = find_spec("imr_rules.facts")
    origin = spec.origin if spec is not None else None
    return "compiled" if origin is not None and not origin.endswith(".py") else "pure"
