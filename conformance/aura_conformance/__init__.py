"""Conformance harness: drives an implementation and checks every step against the spec."""

__all__: list[str] = []
