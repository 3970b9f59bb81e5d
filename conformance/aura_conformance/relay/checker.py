"""The embedded checker for the relay path of Rendezvous.tla, loaded once."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from aura_model.spec_check import SpecCheckReport, run_spec_check
from aura_model.specs import module_path
from aura_model.tla import load_model

from aura_conformance.harness.checker import SpecChecker
from aura_conformance.relay.mapping import RELAY_PATH
from aura_conformance.relay.world import MAX_DESC

__all__ = ["check_relay_spec", "relay_checker", "relay_spec_folder"]

_TLA = Path(__file__).resolve().parent / "tla"


@contextmanager
def relay_spec_folder() -> Iterator[Path]:
    """A temporary folder with ``RelayConformance.tla``, the modules it instantiates
    and its models side by side (copied: SANY and TLC resolve ``INSTANCE`` next to
    the root module's real path, so a link would not do)."""
    with tempfile.TemporaryDirectory(prefix="aura-relay-spec-") as name:
        folder = Path(name)
        sources = [module_path("Rendezvous"), module_path("DescriptorValidity")]
        # The MC_ models only: RelayConformance.cfg, the harness's, is too big to explore.
        sources += [_TLA / "RelayConformance.tla", *sorted(_TLA.glob("MC_*.cfg"))]
        for path in sources:
            shutil.copyfile(path, folder / path.name)
        yield folder


def check_relay_spec(emit: Callable[[str], None] = print) -> SpecCheckReport:
    """The spec-check stage's run (SANY, TLC and the embedded checker agree, each
    model as its ``expect`` line says) on the relay sub-spec's models."""
    with relay_spec_folder() as folder:
        return run_spec_check(folder, emit)


@cache
def relay_checker() -> SpecChecker:
    """The checker for ``tla/RelayConformance.tla`` with ``RelayConformance.cfg`` (the
    world's constants; the MC_ models check the module at smaller scopes).

    The module instantiates Rendezvous.tla (which instantiates
    DescriptorValidity.tla), and the embedded checker resolves modules next to
    the root one, so all three are linked (not copied) into a temporary folder,
    removed once the model is loaded.
    """
    here = _TLA
    with tempfile.TemporaryDirectory(prefix="aura-conformance-") as name:
        folder = Path(name)
        for module in ("Rendezvous", "DescriptorValidity"):
            (folder / f"{module}.tla").symlink_to(module_path(module))
        (folder / "RelayConformance.tla").symlink_to(here / "RelayConformance.tla")
        model = load_model(folder / "RelayConformance.tla", here / "RelayConformance.cfg")
        # The actions and invariants reach DescriptorValidity.tla through a nested
        # INSTANCE, resolved when they are compiled: compile them while it is here.
        # A sync answer carries every fact Ini lacked: a path of one-fact steps.
        sync = (frozenset({"SyncJournal"}), 2 * MAX_DESC)
        checker = SpecChecker(model, RELAY_PATH, {"SyncJournal": sync})
        checker.violated(checker.validator.init_states()[0])
    return checker
