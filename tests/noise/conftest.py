"""Fixtures of the Noise tests: the shared vectors (read in place) and key material."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_rendezvous.noise import HandshakeState, Keypair

PROTOCOL = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
# Parameter name -> vector file; a test taking that parameter runs once per vector.
VECTOR_PARAMS = {
    "cacophony_vector": "cacophony_IKpsk2.json",
    "wireguard_vector": "noise-star_IKpsk2_wireguard.json",
    "snow_vector": "snow_IKpsk0+psk2.json",
}


def _shared_at_collection() -> Path:
    # Same rule as tests/conftest.py's ``shared`` fixture, needed before fixtures exist.
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("AURA_SHARED", root.parent / "shared")).resolve()


def load_vectors(shared: Path, name: str) -> list[dict[str, Any]]:
    with (shared / "vectors" / "noise" / name).open() as f:
        vectors: list[dict[str, Any]] = json.load(f)["vectors"]
    return vectors


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise vector tests with ids = protocol names."""
    for param, name in VECTOR_PARAMS.items():
        if param in metafunc.fixturenames:
            shared = _shared_at_collection()
            # A missing folder yields one failing case via the ``shared`` fixture, not zero cases.
            vectors = load_vectors(shared, name) if shared.is_dir() else [{"protocol_name": "?"}]
            metafunc.parametrize(param, vectors, ids=[v["protocol_name"] for v in vectors])


@pytest.fixture
def noise_vectors(shared: Path) -> Callable[[str], list[dict[str, Any]]]:
    """``noise_vectors(file_name)``: the vectors of one file under ``../shared/vectors/noise``."""
    return lambda name: load_vectors(shared, name)


@pytest.fixture
def keys() -> dict[str, Keypair]:
    """Fresh static keys for an initiator and a responder (real randomness)."""
    return {
        "init": Keypair.generate(os.urandom),
        "resp": Keypair.generate(os.urandom),
    }


@pytest.fixture
def psk() -> bytes:
    return os.urandom(32)


@pytest.fixture
def make_pair(
    keys: dict[str, Keypair], psk: bytes
) -> Callable[..., tuple[HandshakeState, HandshakeState]]:
    """An (initiator, responder) pair of our own handshakes; keyword overrides per side."""

    def make(
        *,
        init_psk: bytes | None = None,
        resp_psk: bytes | None = None,
        init_prologue: bytes = b"aura/test/v1",
        resp_prologue: bytes = b"aura/test/v1",
        rs: bytes | None = None,
    ) -> tuple[HandshakeState, HandshakeState]:
        gen = lambda: Keypair.generate(os.urandom)  # noqa: E731 - a one-line factory
        init = HandshakeState.initiator(
            PROTOCOL,
            prologue=init_prologue,
            s=keys["init"],
            rs=keys["resp"].public if rs is None else rs,
            psks=[psk if init_psk is None else init_psk],
            generate_keypair=gen,
        )
        resp = HandshakeState.responder(
            PROTOCOL,
            prologue=resp_prologue,
            s=keys["resp"],
            psks=[psk if resp_psk is None else resp_psk],
            generate_keypair=gen,
        )
        return init, resp

    return make
