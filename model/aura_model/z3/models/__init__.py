"""The spec models: one module per TLA+ module of ``spec/``, plus ``pure``.

Each mirrors its spec with the same variables, action and invariant names,
written on ``aura_model.z3.framework``. The registry (``z3/_registry.py``)
imports them lazily, so this package exports nothing itself.
"""
