"""The handshake state machine as data (h11 style).

``TRANSITIONS`` maps (stage, event) to the next stage. A missing entry is the
illegal-call error. ``Failed`` has no entries, so it is sticky: after any error
every call raises ``NoiseStateError``. ``Split`` is terminal too: the keys have
been handed to the transport and the handshake's secrets are dropped.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["MESSAGE_INDEX", "TRANSITIONS", "HandshakeEvent", "HandshakeStage", "initial_stage"]


class HandshakeStage(enum.Enum):
    """Where a two-message (IK) handshake stands, from one side's point of view."""

    WriteMessage1 = "WriteMessage1"
    ReadMessage1 = "ReadMessage1"
    WriteMessage2 = "WriteMessage2"
    ReadMessage2 = "ReadMessage2"
    Complete = "Complete"
    Split = "Split"
    Failed = "Failed"


class HandshakeEvent(enum.Enum):
    Write = "Write"
    Read = "Read"
    Split = "Split"


TRANSITIONS: Final[dict[tuple[HandshakeStage, HandshakeEvent], HandshakeStage]] = {
    (HandshakeStage.WriteMessage1, HandshakeEvent.Write): HandshakeStage.ReadMessage2,
    (HandshakeStage.ReadMessage1, HandshakeEvent.Read): HandshakeStage.WriteMessage2,
    (HandshakeStage.WriteMessage2, HandshakeEvent.Write): HandshakeStage.Complete,
    (HandshakeStage.ReadMessage2, HandshakeEvent.Read): HandshakeStage.Complete,
    (HandshakeStage.Complete, HandshakeEvent.Split): HandshakeStage.Split,
}

# Which message pattern (0 or 1) a Write/Read in that stage processes.
MESSAGE_INDEX: Final[dict[HandshakeStage, int]] = {
    HandshakeStage.WriteMessage1: 0,
    HandshakeStage.ReadMessage1: 0,
    HandshakeStage.WriteMessage2: 1,
    HandshakeStage.ReadMessage2: 1,
}


def initial_stage(initiator: bool) -> HandshakeStage:
    return HandshakeStage.WriteMessage1 if initiator else HandshakeStage.ReadMessage1
