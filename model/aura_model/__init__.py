"""Machinery that executes and proves the rendezvous models.

Subpackages: ``aura_model.tla`` (the embedded explicit-state TLA+ checker),
``aura_model.z3`` (Z3 transition systems and proofs), ``aura_model.runners``
(subprocess runners for Apalache and TLC), ``aura_model.itf`` (the ITF trace codec).
"""

__all__: list[str] = []
