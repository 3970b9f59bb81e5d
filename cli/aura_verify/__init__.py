"""``aura-verify``: the command line over the whole harness.

The top package: the only one that imports ``aura_model`` (checker, Z3 proofs,
runners, ITF), ``aura_conformance`` and, through them, ``aura_rendezvous``. No
lower package imports it. ``main`` parses the command line and either runs the
verification stages (``aura_verify.stages``, what ``make verify`` runs) or one
sub-command (``aura_verify.commands``).
"""

from aura_verify.main import build_parser, main, run_stages
from aura_verify.stages import STAGES, Stage

__all__ = ["STAGES", "Stage", "build_parser", "main", "run_stages"]
