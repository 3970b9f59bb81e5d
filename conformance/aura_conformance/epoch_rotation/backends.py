"""The epoch-rotation backend: EpochRotation.tla's actions as a table over the world.

A message argument names a message by its spec record; ``k`` picks which of the
byte strings sent under that record is delivered (replays included). Handlers
that take a side read it from ``a`` (the initiator when absent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aura_model.tla import ModelValue

from aura_conformance.epoch_rotation.mapping import (
    EPOCH_ROTATION,
    message_key,
    message_record,
    project_epoch_rotation,
)
from aura_conformance.epoch_rotation.world import (
    EPOCH_VARIANTS,
    INI,
    RESP,
    EpochVariant,
    EpochWorld,
)
from aura_conformance.harness.backend import Handler, WorldBackend
from aura_conformance.harness.errors import BackendError

__all__ = ["ACTION_TABLE", "EpochBackend"]


def _sent(w: EpochWorld, args: Mapping[str, Any]) -> tuple[tuple[Any, ...], bytes]:
    """The message ``m`` names and the bytes ``k`` picks among those sent under it."""
    key = message_key(args.get("m"))
    sent = w.msgs.get(key)
    if not sent:
        raise BackendError(f"no message {key} was sent")
    k = args.get("k", 0)
    return key, sent[k % len(sent) if isinstance(k, int) else 0]


def _side(args: Mapping[str, Any]) -> str:
    a = args.get("a")
    return a.name if isinstance(a, ModelValue) and a.name in (INI, RESP) else INI


def prepare_establish_channel(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.prepare_establish_channel(now)


def handle_handshake(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.handle_handshake(*_sent(w, args), now)


def process_response(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.process_response(*_sent(w, args), now)


def send_data(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    payload = args.get("payload")
    if payload is None:
        return w.send_data(_side(args))
    if not isinstance(payload, str):
        raise BackendError(f"SendData's payload must be a string, got {payload!r:.80}")
    return w.send_data(_side(args), payload.encode())


def receive_data(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.receive_data(*_sent(w, args), now)


def advance_epoch(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.advance_epoch(_side(args))


def close_channel(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.close_channel(_side(args))


def inject_init(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.inject_init(bool(args.get("far", True)), now)


def impersonate_init(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.impersonate_init(now)


def rewrite_epoch(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    key, data = _sent(w, args)
    if key[0] != "Init":
        raise BackendError(f"RewriteEpoch needs a message 1, got {key}")
    return w.rewrite_epoch(key, data, now)


def forge_response(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    position = args.get("position", 0)
    return w.forge_response(position if isinstance(position, int) else 0, now)


def forge_data(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    position = args.get("position", 0)
    return w.forge_data(position if isinstance(position, int) else 0, now)


def tick(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.check_timeouts(now)


def other_context_handshake(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.other_context_handshake(now)


def replay_other_context_init(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.replay_other_context_init(now)


def foreign_psk_other_context_init(w: EpochWorld, args: Mapping[str, Any], now: int) -> str:
    return w.foreign_psk_other_context_init(now)


ACTION_TABLE: dict[str, Handler[EpochWorld]] = {
    "PrepareEstablishChannel": prepare_establish_channel,
    "HandleHandshake": handle_handshake,
    "ProcessResponse": process_response,
    "SendData": send_data,
    "ReceiveData": receive_data,
    "AdvanceEpoch": advance_epoch,
    "CloseChannel": close_channel,
    "InjectInit": inject_init,
    "ForgeResponse": forge_response,
    "ImpersonateInit": impersonate_init,
    "RewriteEpoch": rewrite_epoch,
    "Tick": tick,
    # Outside EpochRotation.tla: a channel in the world's other context (a stutter).
    "OtherContextHandshake": other_context_handshake,
    "ReplayOtherContextInit": replay_other_context_init,
    "ForeignPskOtherContextInit": foreign_psk_other_context_init,
    # Outside EpochRotation.tla too: a transport message of Ini's, tampered with.
    "ForgeData": forge_data,
}


class EpochBackend(WorldBackend[EpochWorld]):
    """The epoch-rotation world of the reference implementation (or a variant), in process."""

    def __init__(self, variant: str = "ref") -> None:
        if variant not in EPOCH_VARIANTS:
            raise BackendError(f"unknown variant {variant!r}; known: {', '.join(EPOCH_VARIANTS)}")
        chosen: EpochVariant = EPOCH_VARIANTS[variant]
        self.variant = chosen
        super().__init__(
            f"epoch:{variant}",
            EPOCH_ROTATION,
            new_world=lambda: EpochWorld(chosen),
            project=project_epoch_rotation,
            actions=ACTION_TABLE,
        )

    def message_record(self, message: Any) -> Any:
        return message_record(message)

    def channel_lookups(self) -> dict[tuple[str, str], str | None] | None:
        """The world's channel lookups by context (:meth:`EpochWorld.channel_lookups`)."""
        return self.world.channel_lookups()

    def needs_refresh(self) -> dict[str, bool] | None:
        """The world's ``needs_refresh`` per side (:meth:`EpochWorld.needs_refresh`)."""
        return self.world.needs_refresh()

    def other_context(self) -> dict[str, tuple[str, int, bool]] | None:
        """Each side's channel in the other context: state, epoch, whether it carries
        traffic (:meth:`EpochWorld.other_context_channels`)."""
        return self.world.other_context_channels()
