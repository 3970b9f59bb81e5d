"""The embedded checker for the relay path of Rendezvous.tla, loaded once."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from aura_model.specs import module_path
from aura_model.tla import load_model

from aura_conformance.harness.checker import SpecChecker
from aura_conformance.relay.mapping import RELAY_PATH

__all__ = ["relay_checker"]


@cache
def relay_checker() -> SpecChecker:
    """The checker for ``tla/RelayConformance.tla`` with ``MC_RelayConformance.cfg``.

    The module instantiates Rendezvous.tla (which instantiates
    DescriptorValidity.tla), and the embedded checker resolves modules next to
    the root one, so all three are linked (not copied) into a temporary folder,
    removed once the model is loaded.
    """
    here = Path(__file__).resolve().parent / "tla"
    with tempfile.TemporaryDirectory(prefix="aura-conformance-") as name:
        folder = Path(name)
        for module in ("Rendezvous", "DescriptorValidity"):
            (folder / f"{module}.tla").symlink_to(module_path(module))
        (folder / "RelayConformance.tla").symlink_to(here / "RelayConformance.tla")
        model = load_model(folder / "RelayConformance.tla", here / "MC_RelayConformance.cfg")
    return SpecChecker(model, RELAY_PATH)
