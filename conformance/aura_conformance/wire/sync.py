"""Journal sync as bytes: the harness carries sealed digest pages and answers both ways.

Each side publishes a descriptor the other has not seen; the backend then
pulls from the reference peer and the reference peer from the backend, the
harness carrying every sealed sync message (``SyncStart``, ``Sync``,
``SyncFollowUp``). The first pull each way loses every answer, the second
repeats and reorders them; both sides must then choose the same descriptors
(``WireSync``). A non-member's digest, sealed under the context's
own sync key, must get no answer (``DVOnlyMembersKnow``).
"""

from __future__ import annotations

from collections.abc import Callable

from aura_rendezvous.core import AuthorityId, AuthorityKeys, ContextMembership, Roster
from aura_rendezvous.descriptors import SealedDescriptor, open_descriptor
from aura_rendezvous.journal import ContextJournal, make_digest, seal_sync_message

from aura_conformance.harness.backend import Reply
from aura_conformance.wire.descriptors import REVOKE_ACTIONS, SYNC_ACTIONS
from aura_conformance.wire.keyring import _seed
from aura_conformance.wire.peer import WireRun
from aura_conformance.wire.publish import held_publish, lookup

__all__ = [
    "MAX_ROUNDS",
    "backend_pull",
    "backend_revokes",
    "non_member_digest",
    "peer_revokes",
    "supports_revoke",
    "supports_sync",
    "sync_both_ways",
]

# An honest pull of a few facts ends in a handful of rounds; more is a pull
# that does not end (the network sync bounds it the same way).
MAX_ROUNDS = 16


def supports_sync(run: WireRun) -> bool:
    """Whether the backend declared the sync requests in its hello."""
    declared = getattr(run.backend, "supported", None)
    return declared is None or set(SYNC_ACTIONS) <= set(declared)


def _sent(run: WireRun, reply: Reply, action: str) -> list[bytes]:
    try:
        return [bytes.fromhex(m) for m in reply.state.get("sent", ())]
    except (TypeError, ValueError):
        raise run.fail("WireInterop", action, "sent is not a list of hex strings") from None


def _lost(messages: list[bytes]) -> list[bytes]:
    return []


def _faulty(messages: list[bytes]) -> list[bytes]:
    """Every answer twice, in reverse order (merging must be idempotent and
    order-blind)."""
    return list(reversed(messages + messages))


def _backend_pulls(run: WireRun, carry: Callable[[list[bytes]], list[bytes]]) -> None:
    pages = _sent(run, run.request("SyncStart", {}), "SyncStart")
    for _ in range(MAX_ROUNDS):
        if not pages:
            return
        answers: list[bytes] = []
        for page in pages:
            got = run.peer_desk.sync(page)
            if got.outcome != "Answered":
                raise run.fail(
                    "WireSync",
                    "SyncStart",
                    f"the reference peer refused the backend's digest page: {got.outcome}",
                )
            answers.extend(got.sent)
        for answer in carry(answers):
            reply = run.request("Sync", {"bytes": answer.hex()})
            if reply.outcome.startswith("Rejected") or _sent(run, reply, "Sync"):
                raise run.fail(
                    "WireSync",
                    "Sync",
                    f"the reference peer's answer was refused or answered ({reply.outcome})",
                )
        pages = _sent(run, run.request("SyncFollowUp", {}), "SyncFollowUp")
    raise run.fail("WireSync", "SyncFollowUp", f"its pull did not end in {MAX_ROUNDS} rounds")


def _peer_pulls(run: WireRun, carry: Callable[[list[bytes]], list[bytes]]) -> None:
    desk = run.peer_desk
    pages = list(desk.sync_start(run.epoch).sent)
    for _ in range(MAX_ROUNDS):
        if not pages:
            return
        answers: list[bytes] = []
        for page in pages:
            reply = run.request("Sync", {"bytes": page.hex()})
            if reply.outcome.startswith("Rejected"):
                raise run.fail(
                    "WireSync",
                    "Sync",
                    f"refused the reference peer's digest page ({reply.outcome})",
                )
            answers.extend(_sent(run, reply, "Sync"))
        for answer in carry(answers):
            got = desk.sync(answer)
            if not got.outcome.startswith("Applied"):
                raise run.fail(
                    "WireSync",
                    "Sync",
                    f"the reference peer refused the backend's sync answer: {got.outcome}",
                )
        pages = list(desk.sync_follow_up(run.epoch).sent)
    raise run.fail("WireSync", "Sync", f"the reference peer's pull did not end in {MAX_ROUNDS}")


def backend_pull(run: WireRun) -> None:
    """A complete pull by the backend, every answer repeated and reordered: it then
    holds every fact of the reference peer's journal, revocations included."""
    _backend_pulls(run, _faulty)
    cache = run.peer_desk.service.descriptor_cache(run.peer_desk.context)
    run.held.merge(cache.descriptors, cache.revoked)


def peer_revokes(run: WireRun) -> None:
    """The reference peer publishes twice and revokes the newer descriptor. The
    revocation, a fact the peer signs, reaches the backend only by sync: after a
    complete pull its lookup of the peer must answer the older one, never the
    revoked one (DVRevokedNeverChosen; Rendezvous.tla's RVConnectWithValidDescriptor
    connects on no other)."""
    desk = run.peer_desk
    desk.publish(run.now, run.epoch)
    newer = desk.publish(run.now, run.epoch).sent[0]
    desk.revoke(open_descriptor(SealedDescriptor.decode(newer), desk.membership).nonce)
    backend_pull(run)
    lookup(run, run.peer.authority.id)


def supports_revoke(run: WireRun) -> bool:
    """Whether the backend declared ``Revoke`` (with the sync requests that carry it)."""
    declared = getattr(run.backend, "supported", None)
    return supports_sync(run) and (declared is None or set(REVOKE_ACTIONS) <= set(declared))


def backend_revokes(run: WireRun) -> None:
    """The backend publishes twice and revokes the descriptor its lookup of itself
    chooses (``Revoke``: nothing sent). Its own lookup must then choose the other;
    after the reference pulls from it, the reference must too: the revocation
    travelled as a fact the backend signed (DVRevokedNeverChosen; Rendezvous.tla's
    RevokeDescriptor)."""
    mine = run.peer.authority.peer_id
    held_publish(run)
    held_publish(run)
    chosen = run.held.best(mine, run.now)
    if chosen is None:
        raise run.fail(
            "WireInterop", "Publish", f"neither descriptor it just published is valid at {run.now}"
        )
    reply = run.request("Revoke", {"nonce": chosen.nonce.hex()})
    if _sent(run, reply, "Revoke") or not reply.outcome.startswith("Revoked"):
        raise run.fail(
            "WireInterop",
            "Revoke",
            f"revoking its own descriptor: {reply.outcome}, "
            f"{len(reply.state.get('sent', ()))} message(s) sent (expected Revoked, none)",
        )
    run.held.revoked.add((mine, chosen.nonce))
    lookup(run, mine)
    _peer_pulls(run, _faulty)
    expected = run.held.best(mine, run.now)
    theirs = run.peer_desk.lookup(mine, run.now).received
    if theirs != (() if expected is None else (expected.encode(),)):
        raise run.fail(
            "WireSync",
            "Sync",
            "after a complete pull from the backend, the reference peer still chooses the "
            "descriptor the backend revoked: no revocation it signed reached it by sync "
            "(DVRevokedNeverChosen)",
        )


def sync_both_ways(run: WireRun) -> None:
    """Publish on each side unseen by the other, then pull both ways twice: first with
    every answer lost, then with every answer repeated and reordered. Both sides
    must then choose the same descriptors."""
    mine, peer = run.peer.authority.peer_id, run.peer.authority.id
    held_publish(run)
    run.peer_desk.publish(run.now, run.epoch)
    _backend_pulls(run, _lost)
    _peer_pulls(run, _lost)
    backend_pull(run)
    _peer_pulls(run, _faulty)
    for who, name in ((mine, "itself"), (peer, "the peer")):
        theirs = run.peer_desk.lookup(who, run.now).received
        ours = lookup(run, who)
        if (ours,) != theirs:
            raise run.fail(
                "WireSync",
                "Lookup",
                f"after a full pull both ways, its descriptor of {name} differs from the "
                f"reference's ({'none' if ours is None else 'another'} vs "
                f"{'none' if not theirs else 'one'})",
            )


def non_member_digest(run: WireRun) -> None:
    """A digest page from an authority in no roster that holds the context's root
    secret: no member answers it (DVOnlyMembersKnow). The backend publishes first,
    so an answer would reveal a fact."""
    held_publish(run)
    outsider = AuthorityKeys.from_seed(AuthorityId(run.keys.outsider_id), _seed("outsider keys"))
    own = run.peer_desk.membership
    roster = Roster({**dict(own.roster.entries), outsider.authority_id: outsider.roster_entry()})
    forged = ContextMembership(own.context_id, roster, own.root_secret)
    digest = make_digest(ContextJournal(own.context_id), outsider.authority_id)
    data = seal_sync_message(digest, outsider, forged, run.epoch).encode()
    reply = run.request("Sync", {"bytes": data.hex()})
    if _sent(run, reply, "Sync"):
        raise run.fail(
            "WireRejectsAttack",
            "Sync",
            f"answered a non-member's digest page ({reply.outcome}): its facts reach an "
            "authority outside the roster (DVOnlyMembersKnow)",
        )
