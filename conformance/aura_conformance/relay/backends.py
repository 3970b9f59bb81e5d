"""The relay backend: RelayConformance.tla's actions as a table over the relay world.

A message argument ``m`` names an envelope by its Rendezvous.tla record. The
key confirmation's arrival (``KeyConfirm``) is a step of the implementation
that the relay path does not see (it journals, it sends nothing): a stutter.
A context argument ``c`` names one of the world's contexts (``c1`` if none).
``RevokeDescriptor`` takes ``n``, the number of Resp's descriptor (its spec
nonce); ``SyncJournal`` takes ``pull`` and ``i`` (see :func:`sync_journal`).
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
from aura_conformance.relay.world import CONTEXTS, CTX, RELAY_VARIANTS, MessageKey, RelayWorld

__all__ = ["ACTION_TABLE", "RelayBackend"]


def _message(w: RelayWorld, args: Mapping[str, Any]) -> MessageKey:
    key = message_key(args.get("m"))
    if key not in w.msgs:
        raise BackendError(f"no message {key} was sent")
    return key


def _context(args: Mapping[str, Any]) -> str:
    """The context argument ``c`` (a model value, or its name over stdio); c1 if none."""
    c = args.get("c", CTX)
    name = getattr(c, "name", c)
    if name not in CONTEXTS:
        raise BackendError(f"no context {name!r}; the world's are {', '.join(CONTEXTS)}")
    return str(name)


def relay_request(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relay_request(_context(args))


def relay_forward(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relay_forward(_message(w, args))


def relay_forward_fails(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.relay_forward_fails(_message(w, args))


def deliver(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.deliver(_message(w, args))


def inject_junk(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.inject_junk(_context(args))


def impersonate_init(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.impersonate_init(_context(args))


def misaddress_init(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.misaddress_init(_context(args))


def reuse_receipt(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.reuse_receipt(_context(args))


def strip_receipt(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.strip_receipt(_message(w, args))


def misdirect_receipt(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.deliver_with(_message(w, args), "misdirected")


def foreign_receipt(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.deliver_with(_message(w, args), "foreign")


def publish_descriptor(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.publish_descriptor(_context(args))


def advance_epoch(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.advance_epoch(_context(args))


def tick(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.tick()


def _int(args: Mapping[str, Any], name: str, default: int) -> int:
    value = args.get(name, default)
    if type(value) is not int:
        raise BackendError(f"argument {name} must be an integer, not {value!r}")
    return value


def revoke_descriptor(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.revoke_descriptor(_context(args), _int(args, "n", 1))


def sync_journal(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    """Optionally a pull (``pull``, default true), then the sync wire's ``i``-th
    answer (default the last; negative counts from the end) delivered to Ini; with
    no ``i``-th answer on the wire, nothing is (the new answers are lost, or late)."""
    ctx, pull = _context(args), args.get("pull", True)
    if not isinstance(pull, bool):
        raise BackendError(f"argument pull must be a boolean, not {pull!r}")
    pulled = w.sync_pull(ctx) if pull else ""
    wire = len(w.sync_wire[ctx])
    i = _int(args, "i", -1)
    said = w.sync_deliver(ctx, i + wire if i < 0 else i)
    return f"{said} ({pulled})" if pulled else said


def establish_channel(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.establish_channel(_context(args))


def inject_init(w: RelayWorld, args: Mapping[str, Any], now: int) -> str:
    return w.inject_init(_context(args))


ACTION_TABLE: dict[str, Handler[RelayWorld]] = {
    "RelayRequest": relay_request,
    "RelayForward": relay_forward,
    "HandleHandshake": deliver,
    "ProcessResponse": deliver,
    "KeyConfirm": deliver,
    "InjectJunk": inject_junk,
    "ImpersonateInit": impersonate_init,
    "PublishDescriptor": publish_descriptor,
    "AdvanceEpoch": advance_epoch,
    "Tick": tick,
    # The attacker hands the relay an envelope it already forwarded: to the spec,
    # a RelayForward of that envelope (enabled only under BUG_RelayForwardsReplay).
    "ReplayEnvelope": relay_forward,
    "MisaddressInit": misaddress_init,
    # The attacker's message 1 claiming Ini with a receipt of Ini's taken off the
    # wire: to the spec, ImpersonateInit's record (receipts are the harness's to judge).
    "ReuseReceipt": reuse_receipt,
    # An envelope handed on with another receipt than its own (none, one addressed
    # to another authority, one of another authority than its sender): to the spec,
    # the RelayForward or HandleHandshake it would be, or a stutter when refused.
    "StripReceipt": strip_receipt,
    "MisdirectReceipt": misdirect_receipt,
    "ForeignReceipt": foreign_receipt,
    # The relay's forward of m fails at its own receipt, after it accepted the
    # sender's: rolled back whole. No action of the spec: a stutter.
    "RelayForwardFails": relay_forward_fails,
    # The rest of Rendezvous.tla, composed with the relay path: Resp's revocation,
    # journal sync over a lossy, duplicating, reordering sync wire (a delivery is a
    # path of one-fact SyncJournal steps), the direct path and the outsider.
    "RevokeDescriptor": revoke_descriptor,
    "SyncJournal": sync_journal,
    "PrepareEstablishChannel": establish_channel,
    "InjectInit": inject_init,
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
