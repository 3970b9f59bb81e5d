"""Steps of the epoch world shared by its tests: a handshake driven by hand."""

from __future__ import annotations

from typing import Any

from aura_conformance.epoch_rotation import EpochWorld
from aura_conformance.epoch_rotation.world import INI


def handshake_to_confirmation(w: EpochWorld) -> tuple[Any, ...]:
    """Ini's handshake with Resp (all at 0 ms) up to Ini's Active channel; the record
    of Ini's key confirmation, not yet delivered."""
    assert w.prepare_establish_channel(0) == "Started"
    init = next(k for k in w.msgs if k[0] == "Init")
    assert w.handle_handshake(init, w.msgs[init][0], 0) == "Answered"
    resp = next(k for k in w.msgs if k[0] == "Resp")
    assert w.process_response(resp, w.msgs[resp][0], 0) == "Active"
    assert w.send_data(INI) == "Sent"
    return next(k for k in w.msgs if k[0] == "Data")
