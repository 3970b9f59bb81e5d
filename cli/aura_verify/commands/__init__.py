"""The sub-commands of ``aura-verify``, one module per tool.

Each module's ``configure_*`` function adds its arguments to the sub-parser and
sets ``func`` (args -> exit code) on it. The modules import their engine only
inside the functions that configure or run it, so listing them stays fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import attrs

from aura_verify.commands.catalogue import configure_catalogue
from aura_verify.commands.check import configure_check, configure_simulate
from aura_verify.commands.conform import configure_conform
from aura_verify.commands.demo import configure_demo
from aura_verify.commands.itf import configure_itf
from aura_verify.commands.prove import configure_prove
from aura_verify.commands.replay import configure_replay
from aura_verify.commands.tools import configure_tools
from aura_verify.commands.vectors import configure_vectors

__all__ = ["COMMANDS", "Command"]


@attrs.frozen
class Command:
    """A sub-command: its one-line help and the function that configures its parser."""

    help: str
    configure: Callable[[argparse.ArgumentParser], None]


COMMANDS: dict[str, Command] = {
    "prove": Command("Z3 proofs, BMC, witnesses, bug twins", configure_prove),
    "itf": Command("validate ITF trace files", configure_itf),
    "tools": Command("Apalache/TLC availability", configure_tools),
    "check": Command("embedded TLA+ model checker", configure_check),
    "simulate": Command("random TLA+ simulation", configure_simulate),
    "conform": Command("conformance vs a backend", configure_conform),
    "vectors": Command("wire-format test vectors: generate or check", configure_vectors),
    "replay": Command("re-drive a recorded trace on a backend", configure_replay),
    "demo": Command("rendezvous on loopback over real sockets", configure_demo),
    "catalogue": Command("the invariant catalogue (docs/invariants.md)", configure_catalogue),
}
