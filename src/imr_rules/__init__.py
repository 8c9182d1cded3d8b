"""imr-rules: check IMR decisions against the guideline criteria they rest on."""

__version__ = "0.1.0"
