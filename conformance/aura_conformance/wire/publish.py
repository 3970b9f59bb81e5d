"""Descriptors as bytes: the backend's and the reference's sealed descriptors, and forgeries.

A :class:`WireRun`'s backend publishes (``Publish``: its sealed descriptor in
``sent``) and the reference peer must accept the bytes and then look the
backend's descriptor up; the reference's sealed descriptor, offered to the
backend (``Offer``), must be what the backend's ``Lookup`` of the peer reports.
The attacker's sealed descriptors (one byte flipped, signed by the other member
in the backend's name, naming another context, expired) must change no lookup
of the backend. Failures name the DescriptorValidity.tla invariant a wrong
acceptance breaks.
"""

from __future__ import annotations

import hashlib

from aura_rendezvous import AuraError
from aura_rendezvous.core import AuthorityId, ContextId, ContextMembership
from aura_rendezvous.descriptors import (
    LABEL_DESCRIPTOR_SIGNATURE,
    QuicDirect,
    SealedDescriptor,
    SignedDescriptor,
    build_descriptor,
    open_descriptor,
    seal_descriptor,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from aura_conformance.harness.backend import Reply
from aura_conformance.wire.descriptors import CONNECT_ACTIONS, DESCRIPTOR_ACTIONS, VALIDITY_MS
from aura_conformance.wire.keyring import INI
from aura_conformance.wire.peer import WireRun, flip

__all__ = [
    "DESCRIPTOR_ATTACKS",
    "connect_without_descriptor",
    "descriptor_attack",
    "exchange_descriptors",
    "expire",
    "held_offer",
    "held_publish",
    "judge_lookup",
    "lookup",
    "supports_connect",
    "supports_descriptors",
]

# Another context the two members share no key of.
_OTHER_CONTEXT = hashlib.sha256(b"aura-conformance/v1/wire\x00context other").digest()


def supports_descriptors(run: WireRun) -> bool:
    """Whether the backend declared ``Publish``, ``Offer`` and ``Lookup`` (a program
    over stdio may serve the channel requests only: it is then judged on those)."""
    declared = getattr(run.backend, "supported", None)
    return declared is None or set(DESCRIPTOR_ACTIONS) <= set(declared)


def supports_connect(run: WireRun) -> bool:
    """Whether the backend declared ``Connect`` (Establish behind the descriptor guard)."""
    declared = getattr(run.backend, "supported", None)
    return supports_descriptors(run) and (declared is None or set(CONNECT_ACTIONS) <= set(declared))


def connect_without_descriptor(run: WireRun) -> None:
    """Backend as Ini, holding no valid descriptor of the peer: ``Connect`` is a local
    deny that sends nothing (Rendezvous.tla's PrepareEstablishChannel denies with
    NoValidDescriptor; a message 1 would break RVConnectWithValidDescriptor)."""
    peer = run.peer.authority.id
    if run.role != INI or run.held.best(peer, run.now) is not None:
        return
    reply = run.request("Connect", {"timestamp": run.timestamp()})
    sent = _hex_list(run, reply, "sent", "Connect")
    if sent:
        raise run.fail(
            "Rendezvous",
            "Connect",
            f"started a handshake ({len(sent)} message(s) sent, {reply.outcome}) with no "
            f"valid descriptor of the peer at now={run.now}: it connects on an expired, "
            "revoked or unknown one (RVConnectWithValidDescriptor)",
        )


def _hex_list(run: WireRun, reply: Reply, key: str, action: str) -> list[bytes]:
    try:
        return [bytes.fromhex(m) for m in reply.state.get(key, ())]
    except (TypeError, ValueError):
        raise run.fail("WireInterop", action, f"{key} is not a list of hex strings") from None


def _quiet(run: WireRun, reply: Reply, action: str) -> None:
    if _hex_list(run, reply, "sent", action):
        raise run.fail("WireNothingSentOnReject", action, f"{action} sent a message")


def lookup(run: WireRun, who: bytes, *, judged: bool = True) -> bytes | None:
    """The backend's ``Lookup`` of ``who``: the descriptor's encoding, or None. Unless
    ``judged`` is false, the answer must be DescriptorValidity.tla's ``DVBest``
    over the facts the harness saw reach the backend (:mod:`.lookups`)."""
    reply = run.request("Lookup", {"peer": who.hex()})
    _quiet(run, reply, "Lookup")
    found = _hex_list(run, reply, "received", "Lookup")
    if len(found) > 1:
        raise run.fail("WireInterop", "Lookup", f"reported {len(found)} descriptors, not one")
    answer = found[0] if found else None
    if judged:
        judge_lookup(run, who, answer)
    return answer


def judge_lookup(run: WireRun, who: bytes, answer: bytes | None) -> None:
    """Fail naming the DescriptorValidity.tla invariant unless ``answer`` is ``DVBest``."""
    why = run.held.judge(who, answer, run.now)
    if why is not None:
        name = "itself" if who == run.peer.authority.peer_id else "the peer"
        raise run.fail("DescriptorValidity", "Lookup", f"its Lookup of {name} {why}")


def held_publish(run: WireRun, action: str = "Publish") -> bytes:
    """``Publish``: exactly one sealed descriptor, which the reference opens (it is
    then one of the facts the backend holds)."""
    sent = _hex_list(run, run.request("Publish", {}), "sent", action)
    if len(sent) != 1:
        raise run.fail("WireInterop", action, f"sent {len(sent)} messages, expected one")
    try:
        run.held.add(open_descriptor(SealedDescriptor.decode(sent[0]), run.peer_desk.membership))
    except AuraError as exc:
        raise run.fail(
            "WireInterop",
            action,
            f"the reference peer refused the backend's sealed descriptor: "
            f"Rejected:{type(exc).__name__} "
            "(DVFactsAttributable: a member holds only descriptors signed by their publisher)",
        ) from None
    return sent[0]


def held_offer(run: WireRun, data: bytes) -> Reply:
    """``Offer`` a member's genuine sealed descriptor: it must be taken (and is then
    held)."""
    reply = run.request("Offer", {"bytes": data.hex()})
    _quiet(run, reply, "Offer")
    if reply.outcome.startswith("Rejected"):
        raise run.fail(
            "WireInterop",
            "Offer",
            f"refused the reference peer's sealed descriptor ({reply.outcome})",
        )
    run.held.add(open_descriptor(SealedDescriptor.decode(data), run.peer_desk.membership))
    return reply


def _ids(run: WireRun) -> tuple[bytes, bytes]:
    """(the backend's id, the reference peer's id)."""
    return run.peer.authority.peer_id, run.peer.authority.id


def _opened(run: WireRun, data: bytes) -> bytes:
    """What the reference peer reads in sealed descriptor bytes (already accepted)."""
    sealed = SealedDescriptor.decode(data)
    return open_descriptor(sealed, run.peer_desk.membership).encode()


def _check_commitment(run: WireRun, data: bytes) -> None:
    """The reference peer's connect guard on the backend's descriptor: its PSK
    commitment must be the one the reference derives for the epoch, else the peer
    reads "another epoch: refresh" (``PskCommitmentMismatch``) and never connects
    on it (DESIGN.md 1)."""
    opened = open_descriptor(SealedDescriptor.decode(data), run.peer_desk.membership)
    if opened.handshake_psk_commitment != run.peer_desk.membership.psk_commitment(run.epoch):
        raise run.fail(
            "WireInterop",
            "Publish",
            f"the backend's descriptor commits to a PSK the reference peer does not derive "
            f"for epoch {run.epoch}: its connect guard reads another epoch "
            "(PskCommitmentMismatch: refresh, do not send) and never connects on it "
            "(DESIGN.md 1: a keyed BLAKE2s of the epoch's PSK under its own label)",
        )


def exchange_descriptors(run: WireRun) -> None:
    """Each side publishes; each takes the other's sealed bytes and looks them up."""
    mine, peer = _ids(run)
    sent = [held_publish(run)]
    got = run.peer_desk.offer(sent[0], run.now)
    if got.outcome != "Cached":
        raise run.fail(
            "WireInterop",
            "Publish",
            f"the reference peer refused the backend's sealed descriptor: {got.outcome} "
            "(DVFactsAttributable: a member holds only descriptors signed by their publisher)",
        )
    published = _opened(run, sent[0])
    if run.peer_desk.lookup(mine, run.now).received != (published,):
        raise run.fail(
            "WireInterop",
            "Publish",
            "the reference peer's lookup does not choose the descriptor the backend just "
            "published (DVChosenValid)",
        )
    if lookup(run, mine) != published:
        raise run.fail(
            "WireInterop", "Lookup", "its lookup of itself is not the descriptor it published"
        )
    _check_commitment(run, sent[0])
    data = run.peer_desk.publish(run.now, run.epoch).sent[0]
    held_offer(run, data)
    if lookup(run, peer) != _opened(run, data):
        raise run.fail(
            "WireInterop",
            "Lookup",
            "its lookup of the peer is not the descriptor the reference peer just published",
        )


def expire(run: WireRun) -> None:
    """Time passes (a ``Tick``) to the very instant the descriptor the backend must
    choose for the peer expires (its ``valid_until``: the half-open window has just
    closed), or an hour on when there is none. Both lookups are then judged: an
    expired descriptor is never handed out (DVChosenValid)."""
    mine, peer = _ids(run)
    best = run.held.best(peer, run.now)
    run.now = best.valid_until if best is not None else run.now + VALIDITY_MS
    run.peer.tick(run.now)
    run.check_reported()
    lookup(run, peer)
    lookup(run, mine)
    if supports_connect(run):
        connect_without_descriptor(run)


def _forged(run: WireRun, claimed: bytes, *, context: bytes | None = None, **window: int) -> bytes:
    """A descriptor claiming ``claimed`` (in ``context``), signed by the reference peer
    and sealed under this context's key for this epoch (the envelope names this
    context and ``claimed``)."""
    desk = run.peer_desk
    ctx = ContextId(context or desk.context.value)
    desc = build_descriptor(
        AuthorityId(claimed),
        ctx,
        transport_hints=[QuicDirect("10.0.0.66:4433")],
        handshake_psk_commitment=desk.membership.psk_commitment(run.epoch),
        now_ms=window.get("now", run.now),
        validity_ms=window.get("validity", VALIDITY_MS),
        nonce=desk.service.config.nonce_source(32),
    )
    signed = SignedDescriptor(desc, desk.keys.sign(LABEL_DESCRIPTOR_SIGNATURE + desc.encode()))
    return _seal_raw(signed, desk.membership, run.epoch, AuthorityId(claimed))


def _seal_raw(
    signed: SignedDescriptor, membership: ContextMembership, epoch: int, author: AuthorityId
) -> bytes:
    """Seal as the reference does, but under ``membership``'s context whatever the
    descriptor says: the attacker holds the context's key and writes any envelope."""
    plaintext = signed.encode()
    key = membership.descriptor_key(epoch)
    nonce = hashlib.blake2s(b"wire forged descriptor" + plaintext, key=key).digest()[:12]
    envelope = SealedDescriptor(membership.context_id, author, epoch, bytes(28))
    body = ChaCha20Poly1305(key).encrypt(nonce, plaintext, envelope.associated_data())
    return SealedDescriptor(membership.context_id, author, epoch, nonce + body).encode()


def _attack(run: WireRun, data: bytes, what: str, invariant: str) -> None:
    """Offer the attacker's bytes: nothing sent, every lookup of the backend unchanged."""
    mine, peer = _ids(run)
    before = lookup(run, mine), lookup(run, peer)
    reply = run.request("Offer", {"bytes": data.hex()})
    _quiet(run, reply, "Offer")
    # Compared first, judged after: a changed lookup is named by the attack.
    after = lookup(run, mine, judged=False), lookup(run, peer, judged=False)
    if after != before:
        who = "itself" if after[0] != before[0] else "the peer"
        raise run.fail(
            "WireRejectsAttack",
            "Offer",
            f"accepted {what} ({reply.outcome}): its lookup of {who} changed ({invariant})",
        )
    judge_lookup(run, mine, after[0])
    judge_lookup(run, peer, after[1])


def _tampered(run: WireRun, position: int) -> None:
    data = run.peer_desk.seal(run.peer_desk.build(run.now, run.epoch), run.epoch)
    _attack(
        run,
        flip(data, position),
        f"the peer's sealed descriptor with byte {position} flipped",
        "DVFactsAttributable",
    )
    reply = run.request("Offer", {"bytes": data.hex()})
    _quiet(run, reply, "Offer")
    _, peer = _ids(run)
    if reply.outcome.startswith("Rejected") or lookup(run, peer, judged=False) != _opened(
        run, data
    ):
        raise run.fail(
            "WireInterop",
            "Offer",
            f"after a tampered copy, the genuine sealed descriptor was refused ({reply.outcome})",
        )
    run.held.add(open_descriptor(SealedDescriptor.decode(data), run.peer_desk.membership))
    judge_lookup(run, peer, _opened(run, data))


def _impersonation(run: WireRun, position: int) -> None:
    mine, _ = _ids(run)
    _attack(
        run,
        _forged(run, mine),
        "a descriptor in its own name signed by the other member",
        "DVFactsAttributable",
    )


def _cross_context(run: WireRun, position: int) -> None:
    _, peer = _ids(run)
    _attack(
        run,
        _forged(run, peer, context=_OTHER_CONTEXT),
        "the peer's descriptor of another context in this context's envelope",
        "DVNoCrossContext",
    )
    desk = run.peer_desk
    other = ContextMembership(ContextId(_OTHER_CONTEXT), desk.membership.roster, bytes(32))
    desc = build_descriptor(
        AuthorityId(peer),
        other.context_id,
        transport_hints=[QuicDirect("10.0.0.67:4433")],
        handshake_psk_commitment=other.psk_commitment(run.epoch),
        now_ms=run.now,
        validity_ms=VALIDITY_MS,
        nonce=desk.service.config.nonce_source(32),
    )
    signed = SignedDescriptor(desc, desk.keys.sign(LABEL_DESCRIPTOR_SIGNATURE + desc.encode()))
    _attack(
        run,
        seal_descriptor(signed, other, run.epoch).encode(),
        "the peer's descriptor sealed for another context",
        "DVNoCrossContext",
    )


def _expired(run: WireRun, position: int) -> None:
    _, peer = _ids(run)
    # Valid in [now - 1, now): newer than any genuine one, and expired at now.
    _attack(
        run,
        _forged(run, peer, now=run.now - 1, validity=1),
        "the peer's descriptor that expired at now",
        "DVChosenValid",
    )


def _not_yet_valid(run: WireRun, position: int) -> None:
    _, peer = _ids(run)
    # Valid from an hour ahead (no run's clock gets there): newer than any genuine
    # one, and not valid at now. Taken into the journal, never chosen before its time.
    _attack(
        run,
        _forged(run, peer, now=run.now + VALIDITY_MS),
        "the peer's descriptor valid only from an hour ahead",
        "DVChosenValid",
    )


DESCRIPTOR_ATTACKS = {
    "tampered": _tampered,
    "impersonation": _impersonation,
    "cross-context": _cross_context,
    "expired": _expired,
    "not-yet-valid": _not_yet_valid,
}


def descriptor_attack(run: WireRun, kind: str, position: int = 0) -> None:
    """One attacker's descriptor; the clock first moves on, so a forgery is newer
    than every genuine descriptor (a lookup that wrongly took it would choose it)."""
    run.now += 2
    try:
        DESCRIPTOR_ATTACKS[kind](run, position)
    except AuraError as exc:
        raise run.fail(
            "WireInterop", "Offer", f"the reference could not make the {kind} descriptor: {exc}"
        ) from None
