"""The relay backend: RelayConformance.tla's actions as a table over the relay world.

A message argument ``m`` names an envelope by its Rendezvous.tla record. The
key confirmation's arrival (``KeyConfirm``) is a step of the implementation
that the relay path does not see (it journals, it sends nothing): a stutter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_conformance.harness.backend import Handler, WorldBackend
from aura_conformance.harness.errors import BackendError
from aura_conformance.relay.mapping import (
    RELAY_PATH,
    message_key,
    message_record,
    project_relay,
)
from aura_conformance.relay.world import RELAY_VARIANTS, MessageKey, RelayWorld

__all__ = ["ACTION_TABLE", "RelayBackend"]


def _message(w: RelayWorld, args: Mapping[str, Any]) -> MessageKey:
    key = message_key(args.get("m"))
    if key not in w.msgs:
        raise BackendError(f"no message {key} was sent")
    return key


def relay_request(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relay_request()


def relay_forward(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relay_forward(_message(w, args))


def deliver(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.deliver(_message(w, args))


def inject_junk(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.inject_junk()


ACTION_TABLE: dict[str, Handler[RelayWorld]] = {
    "RelayRequest": relay_request,
    "RelayForward": relay_forward,
    "HandleHandshake": deliver,
    "ProcessResponse": deliver,
    "KeyConfirm": deliver,
    "InjectJunk": inject_junk,
    # The attacker hands the relay an envelope it already forwarded: to the spec,
    # a RelayForward of that envelope (enabled only under BUG_RelayForwardsReplay).
    "ReplayEnvelope": relay_forward,
}


class RelayBackend(WorldBackend[RelayWorld]):
    """The relay world of the reference implementation (or a variant), in process."""

    def __init__(self, variant: str = "ref") -> None:
        if variant not in RELAY_VARIANTS:
            known = ", ".join(RELAY_VARIANTS)
            raise BackendError(f"unknown variant {variant!r}; known: {known}")
        chosen = RELAY_VARIANTS[variant]
        self.variant = chosen
        super().__init__(
            f"relay:{variant}",
            RELAY_PATH,
            new_world=lambda: RelayWorld(chosen),
            project=project_relay,
            actions=ACTION_TABLE,
        )

    def message_record(self, message: Any) -> Any:
        return message_record(message)
