"""The bytes of a reported send, checked against its record: each check can fail."""

from __future__ import annotations

import pytest
from aura_conformance.epoch_rotation.world import EPOCH_VARIANTS, EpochWorld, epoch_keyring
from aura_conformance.relay.world import (
    RELAY_EPOCH,
    RELAY_VARIANTS,
    RelayWorld,
    relay_ids,
    relay_keyring,
)
from aura_conformance.sent_messages import check_envelope, check_message, opens_as_message_1
from aura_conformance.wire.authority import WireAuthority
from aura_conformance.wire.keyring import Keyring


def _sent(world: EpochWorld) -> dict[str, bytes]:
    """Each message type of one handshake and its data, as the world sent them."""
    world.prepare_establish_channel(0)
    [(init, [m1])] = [(k, v) for k, v in world.msgs.items() if k[0] == "Init"]
    world.handle_handshake(init, m1, 0)
    [(resp, [m2])] = [(k, v) for k, v in world.msgs.items() if k[0] == "Resp"]
    world.process_response(resp, m2, 0)
    world.send_data("a1")
    [data] = [v[0] for k, v in world.msgs.items() if k[0] == "Data"]
    return {"Init": m1, "Resp": m2, "Data": data}


def test_the_references_messages_are_what_their_records_say() -> None:
    keys = epoch_keyring()
    for kind, data in _sent(EpochWorld()).items():
        assert check_message(data, kind, 0, keys) is None, kind


def test_each_check_of_a_message_can_fail() -> None:
    keys = epoch_keyring()
    sent = _sent(EpochWorld())
    m1 = sent["Init"]
    tampered = m1[:-1] + bytes([m1[-1] ^ 1])
    assert check_message(tampered, "Init", 0, keys) == "a reference responder does not answer it"
    assert "clear epoch is 0, the record's 1" in (check_message(m1, "Init", 1, keys) or "")
    assert "not HandshakeResponse" in (check_message(m1, "Resp", 0, keys) or "")
    assert "no wire message" in (check_message(b"junk", "Data", 0, keys) or "")
    assert "not junk" in (check_message(sent["Data"], "Junk", 0, keys) or "")
    # A genuine message 1 of other keys (the wire mode's) is not this context's.
    wire = Keyring.default()
    ini, resp = wire.members["Ini"], wire.members["Resp"]
    initiator = WireAuthority(
        context_id=wire.context_id,
        root_secret=wire.root_secret,
        authority_id=ini.authority_id,
        static=ini.static,
        peer_id=resp.authority_id,
        peer_static=resp.static.public,
    )
    [foreign] = initiator.establish(1, 0).sent
    assert opens_as_message_1(foreign, wire, 0)
    assert not opens_as_message_1(foreign, keys, 0)


def test_a_prologue_without_the_epoch_is_not_answered() -> None:
    """The epoch-free-prologue backend's message 1: well framed, real Noise, yet no
    reference responder answers it (the prologue does not bind the epoch)."""
    m1 = _sent(EpochWorld(EPOCH_VARIANTS["epoch-free-prologue"]))["Init"]
    assert check_message(m1, "Init", 0, epoch_keyring()) == (
        "a reference responder does not answer it"
    )


@pytest.mark.parametrize(("field", "said"), [("src", "another context"), ("kind", "payload")])
def test_a_relay_envelope_is_checked_against_its_record(field: str, said: str) -> None:
    world = RelayWorld(RELAY_VARIANTS["ref"])
    world.relay_request()
    [send] = [e for e in world.take_effects() if e.kind == "Send"]
    kind, src, _, to, *_ = send.message
    ids, keys = relay_ids(), relay_keyring()
    args = {
        "context": keys.context_id,
        "src": ids[src],
        "to": ids[to],
        "kind": kind,
        "keys": keys,
        "epoch": RELAY_EPOCH,
    }
    assert check_envelope(send.data, **args) is None
    wrong = {**args, "src": ids["r1"]} if field == "src" else {**args, "kind": "Resp"}
    assert said in (check_envelope(send.data, **wrong) or "")
    assert "no relay envelope" in (check_envelope(b"\x00" * 8, **args) or "")
