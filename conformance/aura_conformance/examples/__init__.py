"""Example backends speaking the stdio protocol of ``docs/conformance.md``."""
