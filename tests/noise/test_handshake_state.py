"""HandshakeState: the state machine, remote-static timing, and every rejection path.

Each rejection is asserted with its exact error type, and each is paired with
the accepting run it deviates from (the ``make_pair`` happy path), so a check
that stopped rejecting would fail here.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from aura_rendezvous import DecodeError, LocalProtocolError, RemoteProtocolError
from aura_rendezvous.noise import (
    MAX_MESSAGE_LEN,
    HandshakeStage,
    HandshakeState,
    Keypair,
    NoiseConfigError,
    NoiseDecryptError,
    NoiseError,
    NoiseMalformedError,
    NoiseProtocol,
    NoiseStateError,
)
from aura_rendezvous.noise._states import TRANSITIONS, HandshakeEvent

Pair = Callable[..., tuple[HandshakeState, HandshakeState]]

# IKpsk2 25519 message 1: e (32) | encrypted s (32 + 16) | encrypted payload (+16).
MSG1_E = range(32)
MSG1_S = range(32, 80)
# Message 2: e (32) | encrypted payload (+16).
MSG2_E = range(32)


def _flip(message: bytes, index: int) -> bytes:
    out = bytearray(message)
    out[index] ^= 0x01
    return bytes(out)


# --- happy path and the state machine ----------------------------------------------


def test_full_handshake_walks_the_table(make_pair: Pair, keys: dict[str, Keypair]) -> None:
    """Each call moves exactly as ``TRANSITIONS`` says, ending in Split on both sides."""
    init, resp = make_pair()
    assert (init.stage, resp.stage) == (HandshakeStage.WriteMessage1, HandshakeStage.ReadMessage1)
    assert resp.remote_static is None
    m1 = init.write_message(b"ts=1")
    assert init.stage is TRANSITIONS[(HandshakeStage.WriteMessage1, HandshakeEvent.Write)]
    assert resp.read_message(m1) == b"ts=1"
    # The responder knows who is calling BEFORE it writes its reply (roster check point).
    assert resp.stage is HandshakeStage.WriteMessage2
    assert resp.remote_static == keys["init"].public
    m2 = resp.write_message(b"")
    assert init.read_message(m2) == b""
    assert init.is_complete and resp.is_complete
    assert init.handshake_hash == resp.handshake_hash
    a, b = init.split(), resp.split()
    assert init.stage is resp.stage is HandshakeStage.Split
    assert a.handshake_hash == b.handshake_hash == init.handshake_hash
    assert b.recv.decrypt_with_ad(b"ad", a.send.encrypt_with_ad(b"ad", b"x")) == b"x"
    assert a.recv.decrypt_with_ad(b"", b.send.encrypt_with_ad(b"", b"y")) == b"y"


def test_sessions_have_distinct_handshake_hashes(make_pair: Pair) -> None:
    """Fresh ephemerals give a fresh handshake hash (channel ids derive from it)."""
    hashes = set()
    for _ in range(3):
        init, resp = make_pair()
        resp.read_message(init.write_message())
        init.read_message(resp.write_message())
        hashes.add(init.handshake_hash)
    assert len(hashes) == 3


def test_failed_and_split_are_terminal() -> None:
    """The table has no edge out of Failed or Split."""
    for stage, _event in TRANSITIONS:
        assert stage not in (HandshakeStage.Failed, HandshakeStage.Split)


@pytest.mark.parametrize(
    ("role", "call"),
    [
        ("init", "read"),
        ("init", "split"),
        ("resp", "write"),
        ("resp", "split"),
    ],
)
def test_out_of_turn_call_fails_sticky(make_pair: Pair, role: str, call: str) -> None:
    """An illegal call raises NoiseStateError and moves to Failed; everything after fails too."""
    init, resp = make_pair()
    hs = init if role == "init" else resp
    with pytest.raises(NoiseStateError):
        _call(hs, call)
    assert hs.stage is HandshakeStage.Failed
    for again in ("write", "read", "split"):
        with pytest.raises(NoiseStateError):
            _call(hs, again)
    assert hs.stage is HandshakeStage.Failed


def _call(hs: HandshakeState, call: str) -> object:
    if call == "write":
        return hs.write_message(b"")
    if call == "read":
        return hs.read_message(bytes(96))
    return hs.split()


def test_split_only_once(make_pair: Pair) -> None:
    """Keys are handed over once; a second split is a state error."""
    init, resp = make_pair()
    resp.read_message(init.write_message())
    init.read_message(resp.write_message())
    init.split()
    with pytest.raises(NoiseStateError):
        init.split()


def test_remote_error_then_sticky_state_error(make_pair: Pair) -> None:
    """A remote failure is typed Remote; every later call is a Local state error."""
    init, resp = make_pair()
    with pytest.raises(NoiseDecryptError) as info:
        resp.read_message(_flip(init.write_message(b"p"), 40))
    assert isinstance(info.value, RemoteProtocolError)
    assert info.value.reason == "DecryptFailed"
    with pytest.raises(NoiseStateError) as again:
        resp.write_message(b"")
    assert isinstance(again.value, LocalProtocolError)


# --- wrong keys, PSK, prologue ---------------------------------------------------------


def test_wrong_psk_detected_only_by_initiator_on_message_2(make_pair: Pair) -> None:
    """IKpsk2 mixes the PSK at the end of message 2: the responder cannot tell before replying.

    The responder reads message 1 and writes message 2 without error (so it must not
    treat itself as established); the initiator fails exactly on reading message 2.
    """
    init, resp = make_pair(init_psk=os.urandom(32), resp_psk=os.urandom(32))
    assert resp.read_message(init.write_message(b"hello")) == b"hello"
    reply = resp.write_message(b"")
    assert resp.is_complete
    with pytest.raises(NoiseDecryptError):
        init.read_message(reply)
    assert init.stage is HandshakeStage.Failed


def test_wrong_prologue_rejected_by_responder(make_pair: Pair) -> None:
    """A first message bound to another context/epoch prologue does not decrypt."""
    init, resp = make_pair(init_prologue=b"ctx-A/epoch-1", resp_prologue=b"ctx-A/epoch-2")
    with pytest.raises(NoiseDecryptError):
        resp.read_message(init.write_message())
    assert resp.remote_static is None


def test_wrong_responder_static_rejected(make_pair: Pair) -> None:
    """An initiator that encrypts to another responder key is rejected on message 1."""
    init, resp = make_pair(rs=Keypair.generate(os.urandom).public)
    with pytest.raises(NoiseDecryptError):
        resp.read_message(init.write_message())
    assert resp.stage is HandshakeStage.Failed


# --- tampering, truncation, size --------------------------------------------------------


@pytest.mark.parametrize(
    "index",
    [0, 17, 31, 32, 50, 63, 64, 79, 80, 90, 95, 99],
    ids=lambda i: f"e[{i}]" if i in MSG1_E else f"s[{i}]" if i in MSG1_S else f"payload+tag[{i}]",
)
def test_tampered_message_1(make_pair: Pair, index: int) -> None:
    """Any flipped byte of message 1 (ephemeral, sealed static, payload, tag) is rejected."""
    init, resp = make_pair()
    m1 = init.write_message(b"four")  # 32 + 48 + 4 + 16 = 100 bytes
    assert len(m1) == 100
    with pytest.raises(NoiseDecryptError):
        resp.read_message(_flip(m1, index))
    assert resp.stage is HandshakeStage.Failed
    assert resp.remote_static is None


@pytest.mark.parametrize(
    "index", [0, 16, 31, 32, 40, 47], ids=lambda i: f"e[{i}]" if i in MSG2_E else f"tag[{i}]"
)
def test_tampered_message_2(make_pair: Pair, index: int) -> None:
    """Any flipped byte of message 2 (ephemeral, empty payload's tag) is rejected."""
    init, resp = make_pair()
    resp.read_message(init.write_message())
    m2 = resp.write_message(b"")
    assert len(m2) == 48
    with pytest.raises(NoiseDecryptError):
        init.read_message(_flip(m2, index))
    assert init.stage is HandshakeStage.Failed


@pytest.mark.parametrize(
    ("length", "error"),
    [
        (0, NoiseMalformedError),  # nothing
        (31, NoiseMalformedError),  # inside the ephemeral
        (79, NoiseMalformedError),  # inside the sealed static
        (95, NoiseMalformedError),  # shorter than the payload tag
        (99, NoiseDecryptError),  # payload cut: the tag cannot verify
    ],
)
def test_truncated_message_1(make_pair: Pair, length: int, error: type[NoiseError]) -> None:
    """A cut message 1 is Malformed where a field is short, DecryptFailed where the tag is."""
    init, resp = make_pair()
    m1 = init.write_message(b"four")
    with pytest.raises(error) as info:
        resp.read_message(m1[:length])
    if error is NoiseMalformedError:
        assert isinstance(info.value, DecodeError)
        assert info.value.source == "NoiseHandshakeMessage"
    assert resp.stage is HandshakeStage.Failed


def test_extended_message_rejected(make_pair: Pair) -> None:
    """Trailing bytes are part of the sealed payload, so they break the tag."""
    init, resp = make_pair()
    with pytest.raises(NoiseDecryptError):
        resp.read_message(init.write_message(b"") + b"\x00")


def test_message_size_limit(make_pair: Pair) -> None:
    """65535 bytes is the ceiling: the largest payload fits, one more byte is refused."""
    overhead = 32 + 48 + 16
    init, resp = make_pair()
    biggest = init.write_message(bytes(MAX_MESSAGE_LEN - overhead))
    assert len(biggest) == MAX_MESSAGE_LEN
    assert len(resp.read_message(biggest)) == MAX_MESSAGE_LEN - overhead

    init, resp = make_pair()
    with pytest.raises(NoiseStateError):
        init.write_message(bytes(MAX_MESSAGE_LEN - overhead + 1))
    assert init.stage is HandshakeStage.Failed
    with pytest.raises(NoiseMalformedError):
        resp.read_message(bytes(MAX_MESSAGE_LEN + 1))
    assert resp.stage is HandshakeStage.Failed


def test_small_order_ephemeral_is_malformed(make_pair: Pair) -> None:
    """An all-zero ephemeral gives an all-zero DH: typed Malformed, not a ValueError."""
    _, resp = make_pair()
    with pytest.raises(NoiseMalformedError, match="small-order"):
        resp.read_message(bytes(100))


# --- configuration -----------------------------------------------------------------------


def test_bad_configuration(keys: dict[str, Keypair], psk: bytes) -> None:
    """Bad arguments are NoiseConfigError (a LocalProtocolError), raised at construction."""
    proto = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
    gen = lambda: Keypair.generate(os.urandom)  # noqa: E731
    s, rs = keys["init"], keys["resp"].public
    cases: list[Callable[[], object]] = [
        lambda: HandshakeState.initiator(proto, s=s, rs=rs, psks=[], generate_keypair=gen),
        lambda: HandshakeState.initiator(proto, s=s, rs=rs, psks=[psk, psk], generate_keypair=gen),
        lambda: HandshakeState.initiator(proto, s=s, rs=rs, psks=[psk[:31]], generate_keypair=gen),
        lambda: HandshakeState.initiator(proto, s=s, rs=rs[:31], psks=[psk], generate_keypair=gen),
        lambda: HandshakeState.initiator(proto, s=s, rs=rs, psks=[psk]),
        lambda: HandshakeState.responder(
            proto, s=Keypair.generate(os.urandom, dh="448"), psks=[psk], generate_keypair=gen
        ),
        lambda: HandshakeState.responder(
            proto,
            prologue="text",  # type: ignore[arg-type]
            s=s,
            psks=[psk],
            generate_keypair=gen,
        ),
        lambda: Keypair.from_private(bytes(31)),
        lambda: Keypair.from_private(bytes(32), dh="P256"),
    ]
    for case in cases:
        with pytest.raises(NoiseConfigError):
            case()
    assert issubclass(NoiseConfigError, LocalProtocolError)


def test_non_bytes_input_is_typed(make_pair: Pair) -> None:
    """A str payload or message is a NoiseConfigError (and Failed), not a TypeError."""
    init, resp = make_pair()
    with pytest.raises(NoiseConfigError):
        init.write_message("hello")  # type: ignore[arg-type]
    assert init.stage is HandshakeStage.Failed
    with pytest.raises(NoiseConfigError):
        resp.read_message("hello")  # type: ignore[arg-type]
    assert resp.stage is HandshakeStage.Failed
    init, resp = make_pair()
    assert resp.read_message(bytearray(init.write_message(memoryview(b"view")))) == b"view"


def test_generated_ephemeral_of_wrong_family_is_refused(keys: dict[str, Keypair]) -> None:
    """An injected generator that returns a 448 key for a 25519 suite is a typed error."""
    init = HandshakeState.initiator(
        "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s",
        s=keys["init"],
        rs=keys["resp"].public,
        psks=[bytes(32)],
        generate_keypair=lambda: Keypair.generate(os.urandom, dh="448"),
    )
    with pytest.raises(NoiseConfigError):
        init.write_message(b"")
    assert init.stage is HandshakeStage.Failed


def test_generate_keypair_called_once_per_side(keys: dict[str, Keypair]) -> None:
    """The injected generator supplies exactly the one ephemeral IK needs per side."""
    calls: list[int] = []

    def gen() -> Keypair:
        calls.append(1)
        return Keypair.generate(os.urandom)

    proto = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
    init = HandshakeState.initiator(
        proto, s=keys["init"], rs=keys["resp"].public, psks=[bytes(32)], generate_keypair=gen
    )
    resp = HandshakeState.responder(proto, s=keys["resp"], psks=[bytes(32)], generate_keypair=gen)
    resp.read_message(init.write_message())
    init.read_message(resp.write_message())
    assert len(calls) == 2


@pytest.mark.parametrize(
    "name",
    [
        "Noise_IKpsk2_448_AESGCM_SHA512",
        "Noise_IKpsk0+psk2_25519_AESGCM_BLAKE2b",
        "Noise_IK_25519_ChaChaPoly_BLAKE2s",
    ],
)
def test_other_suites_run_end_to_end(name: str) -> None:
    """The non-production suites of the table complete with generated keys too."""
    proto = NoiseProtocol.parse(name)
    dh = proto.dh.name
    s_i, s_r = Keypair.generate(os.urandom, dh), Keypair.generate(os.urandom, dh)
    psks = [os.urandom(32) for _ in range(proto.psk_count)]
    gen = lambda: Keypair.generate(os.urandom, dh)  # noqa: E731
    init = HandshakeState.initiator(proto, s=s_i, rs=s_r.public, psks=psks, generate_keypair=gen)
    resp = HandshakeState.responder(proto, s=s_r, psks=psks, generate_keypair=gen)
    assert resp.read_message(init.write_message(b"a")) == b"a"
    assert init.read_message(resp.write_message(b"b")) == b"b"
    a, b = init.split(), resp.split()
    assert b.recv.decrypt_with_ad(b"", a.send.encrypt_with_ad(b"", b"c")) == b"c"


def test_keypair_repr_hides_private_key() -> None:
    """Secrets never show up in logs through repr."""
    kp = Keypair.from_private(bytes(range(32)))
    assert bytes(range(32)).hex() not in repr(kp)
    assert repr(bytes(range(32))) not in repr(kp)
    assert kp.public.hex() in repr(kp) or repr(kp.public) in repr(kp)


def test_generate_with_short_randomness() -> None:
    """An injected randomness source returning too few bytes is a typed config error."""
    with pytest.raises(NoiseConfigError):
        Keypair.generate(lambda n: bytes(n - 1))
    assert Keypair.generate(lambda n: bytes(range(n)), dh="448").public != bytes(56)
