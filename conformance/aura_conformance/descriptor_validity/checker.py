"""The embedded checker for DescriptorValidity.tla, through the harness's wrapper module."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from aura_model.specs import module_path
from aura_model.tla import Model, ModelValue, load_model

from aura_conformance.descriptor_validity.mapping import DESCRIPTOR_VALIDITY
from aura_conformance.descriptor_validity.world import MEMBERS
from aura_conformance.harness.checker import SpecChecker

__all__ = ["SYNC_ROUND", "descriptor_validity_checker", "load_dv_model"]

SYNC_ROUND = (frozenset({"SyncJournal"}), 8)


_HERE = Path(__file__).resolve().parent / "tla"


def load_dv_model(cfg: Path) -> Model:
    """The wrapper ``tla/DVConformance.tla`` under the model ``cfg``, on the world's
    members.

    The wrapper EXTENDS the spec, and the embedded checker resolves EXTENDS next
    to the root module, so both are linked (not copied) into a temporary folder,
    removed once the model is loaded. ``Auth`` is the world's roster whatever
    ``cfg`` says: the spec's bad models, which name a wrong lookup, keep two
    members for TLC, and their ``DVLookupTable`` must cover the harness's third.
    """
    roster = {"Auth": frozenset(ModelValue(m) for m in MEMBERS)}
    # load_model parses every module eagerly, so the folder can go right after.
    with tempfile.TemporaryDirectory(prefix="aura-conformance-") as name:
        folder = Path(name)
        (folder / "DescriptorValidity.tla").symlink_to(module_path("DescriptorValidity"))
        (folder / "DVConformance.tla").symlink_to(_HERE / "DVConformance.tla")
        return load_model(folder / "DVConformance.tla", cfg, roster)


@cache
def descriptor_validity_checker() -> SpecChecker:
    """The checker for DescriptorValidity.tla through the wrapper ``tla/DVConformance.tla``."""
    model = load_dv_model(_HERE / "MC_DVConformance.cfg")
    # A sync round of the implementation is a whole pull: as many SyncJournal
    # steps as facts arrived (at most every fact of the model, 8 is ample).
    return SpecChecker(model, DESCRIPTOR_VALIDITY, composite={"SyncRound": SYNC_ROUND})
