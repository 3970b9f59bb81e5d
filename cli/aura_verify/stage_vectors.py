"""The ``vectors`` stage: published Noise vectors and the wire-format vectors.

Every vector of ``../shared/vectors/noise/*.json`` (cacophony, noise-star,
snow) drives both sides of the reference Noise with its fixed ephemerals: the
handshake messages, the handshake hash, the transport messages on the split
states and, where the vector gives them, the Split() keys must come out byte for
byte. Then every vector of ``vectors/wire-formats.json`` runs on the reference
codec (what ``aura-verify vectors --check`` does).

``$AURA_SHARED`` replaces ``../shared`` and ``$AURA_WIRE_VECTORS`` the
wire-format file. Without the shared folder the Noise half is SKIPPED with the
reason (never a pass).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import attrs
from aura_model.stages import StageResult, Status

__all__ = ["NoiseVectorError", "check_noise_vector", "shared_dir", "stage_vectors", "wire_file"]

_ROOT = Path(__file__).resolve().parents[2]


class NoiseVectorError(ValueError):
    """A Noise vector the reference does not reproduce, or a malformed one; names it."""


def shared_dir() -> Path:
    """``../shared`` beside the project, or ``$AURA_SHARED``."""
    return Path(os.environ.get("AURA_SHARED") or _ROOT.parent / "shared")


def wire_file() -> Path:
    """The wire-format vectors: ``vectors/wire-formats.json`` or ``$AURA_WIRE_VECTORS``."""
    return Path(os.environ.get("AURA_WIRE_VECTORS") or _ROOT / "vectors" / "wire-formats.json")


def _h(vector: dict[str, Any], key: str) -> bytes:
    return bytes.fromhex(vector[key])


@attrs.frozen
class _Replayed:
    handshakes: int
    transport: int


def check_noise_vector(v: dict[str, Any]) -> _Replayed:
    """Replay one cacophony-format vector on the reference Noise, or raise
    :class:`NoiseVectorError` saying where it diverged."""
    from aura_rendezvous.noise import CipherState, HandshakeState, Keypair, NoiseProtocol

    name = v.get("protocol_name", "?")
    try:
        proto = NoiseProtocol.parse(name)
        dh = proto.dh.name
        init = HandshakeState.initiator(
            proto,
            prologue=_h(v, "init_prologue"),
            s=Keypair.from_private(_h(v, "init_static"), dh),
            rs=_h(v, "init_remote_static"),
            psks=[bytes.fromhex(p) for p in v["init_psks"]],
            e=Keypair.from_private(_h(v, "init_ephemeral"), dh),
        )
        resp = HandshakeState.responder(
            proto,
            prologue=_h(v, "resp_prologue"),
            s=Keypair.from_private(_h(v, "resp_static"), dh),
            psks=[bytes.fromhex(p) for p in v["resp_psks"]],
            e=Keypair.from_private(_h(v, "resp_ephemeral"), dh),
        )
        msgs = v["messages"]
        for i, (writer, reader) in enumerate(((init, resp), (resp, init))):
            payload = bytes.fromhex(msgs[i]["payload"])
            sent = writer.write_message(payload)
            if sent.hex() != msgs[i]["ciphertext"]:
                raise NoiseVectorError(f"{name}: handshake message {i} differs from the vector")
            if reader.read_message(sent) != payload:
                raise NoiseVectorError(f"{name}: handshake message {i} does not read back")
        if "handshake_hash" in v and init.handshake_hash.hex() != v["handshake_hash"]:
            raise NoiseVectorError(f"{name}: handshake hash differs from the vector")
        a, b = init.split(), resp.split()
        if "init_sending_key" in v:
            pairs = (
                (a.send, "init_sending_key"),
                (a.recv, "init_receiving_key"),
                (b.send, "init_receiving_key"),
                (b.recv, "init_sending_key"),
            )
            for ours, key in pairs:
                # Same key, same sealed bytes: the split keys compared by behaviour.
                ref = CipherState.from_key(_h(v, key))
                probe = b"split key probe"
                if ours.encrypt_with_ad(b"ad", probe) != ref.encrypt_with_ad(b"ad", probe):
                    raise NoiseVectorError(f"{name}: split key {key} differs from the vector")
        for i, m in enumerate(msgs[2:]):
            send, recv = (a.send, b.recv) if i % 2 == 0 else (b.send, a.recv)
            payload = bytes.fromhex(m["payload"])
            ct = send.encrypt_with_ad(b"", payload)
            if ct.hex() != m["ciphertext"] or recv.decrypt_with_ad(b"", ct) != payload:
                raise NoiseVectorError(f"{name}: transport message {i + 2} differs from the vector")
    except NoiseVectorError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise NoiseVectorError(f"{name}: malformed vector ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # the reference raised on a vector it must reproduce
        raise NoiseVectorError(f"{name}: {type(exc).__name__}: {exc}") from None
    return _Replayed(1, len(msgs) - 2)


def _noise(folder: Path) -> tuple[dict[str, int], list[str]]:
    figures = {"noise_vectors": 0, "handshakes": 0, "transport_messages": 0}
    problems: list[str] = []
    files = sorted(folder.glob("*.json"))
    if not files:
        problems.append(f"{folder}: no vector files")
    for path in files:
        try:
            vectors = json.loads(path.read_text(encoding="utf-8"))["vectors"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: unreadable ({type(exc).__name__}: {exc})")
            continue
        for index, vector in enumerate(vectors):
            figures["noise_vectors"] += 1
            try:
                done = check_noise_vector(vector)
            except NoiseVectorError as exc:
                problems.append(f"{path.name}[{index}] {exc}")
                continue
            figures["handshakes"] += done.handshakes
            figures["transport_messages"] += done.transport
    return figures, problems


def _wire(path: Path) -> tuple[dict[str, int], list[str], str]:
    from aura_conformance.vectors import (
        ReferenceCodec,
        VectorFileError,
        check_document,
        load_document,
    )

    try:
        results = check_document(load_document(path), ReferenceCodec, source=str(path))
    except (VectorFileError, OSError) as exc:
        return {}, [f"{path}: not a valid vector document ({exc})"], ""
    failed = [f"{r.id}: {r.detail}" for r in results if not r.ok]
    families = len({r.family for r in results})
    figures = {"wire_vectors": len(results), "wire_families": families}
    return figures, failed, f"{len(results)} wire-format vectors in {families} families"


def stage_vectors() -> StageResult:
    """PASS iff every Noise vector and every wire-format vector passes; SKIPPED
    (with the reason) when the shared Noise vectors are absent."""
    started = time.perf_counter()
    folder = shared_dir() / "vectors" / "noise"
    figures: dict[str, int | float] = {}
    problems: list[str] = []
    parts: list[str] = []
    skipped = ""
    if folder.is_dir():
        noise, bad = _noise(folder)
        figures.update(noise)
        problems += bad
        parts.append(
            f"{noise['noise_vectors'] - len(bad)}/{noise['noise_vectors']} Noise vectors "
            f"reproduced ({noise['handshakes']} handshakes, "
            f"{noise['transport_messages']} transport messages)"
        )
    else:
        skipped = f"no Noise vectors at {folder} (set AURA_SHARED)"
    wire, bad, text = _wire(wire_file())
    figures.update(wire)
    problems += bad
    if text:
        parts.append(f"{text}, {len(bad)} failed" if bad else f"{text} pass")
    if skipped:
        parts.insert(0, f"Noise vectors not run: {skipped}")
    detail = "; ".join(parts)
    if problems:
        detail = f"{len(problems)} failed: " + "; ".join(problems[:5]) + "; " + detail
    status = Status.FAIL if problems else Status.SKIPPED if skipped else Status.PASS
    return StageResult("vectors", status, detail, time.perf_counter() - started, figures=figures)
