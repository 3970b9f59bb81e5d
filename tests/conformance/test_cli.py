"""``aura-verify conform`` and the conformance stage."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from aura_model.stages import Status
from aura_verify import main
from aura_verify.commands.conform import stage_conformance


def test_conform_reference_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """The reference backend is conformant: exit 0 and a summary line."""
    assert main(["conform", "--examples", "5", "--seed", "1"]) == 0
    assert "ref: conformant" in capsys.readouterr().out


def test_conform_buggy_backend_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A buggy backend: exit 1, the step table, and a failing trace that replays as a failure."""
    assert main(["conform", "--backend", "no-rollback", "--record", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "NOT conformant" in out and "failing trace" in out
    failing = tmp_path / "failing.itf.json"
    assert main(["conform", "--backend", "no-rollback", "--replay", str(failing)]) == 1


def test_conform_stdio_command_backend(capsys: pytest.CaptureFixture[str]) -> None:
    """--backend CMD runs a stdio backend program."""
    cmd = (
        f"{sys.executable} -m aura_conformance.examples.guard_backend --variant no-signature-check"
    )
    assert main(["conform", "--backend", cmd, "--examples", "3", "--no-shrink"]) == 1
    assert "NOT conformant" in capsys.readouterr().out


def test_conform_broken_backend_exits_three(capsys: pytest.CaptureFixture[str]) -> None:
    """A backend that cannot be driven is exit 3 with a message, not a traceback."""
    assert main(["conform", "--backend", f"{sys.executable} -c pass", "--timeout", "2"]) == 3
    err = capsys.readouterr().err
    assert "closed its output" in err and "Traceback" not in err


@pytest.mark.slow
def test_stage_passes_on_the_reference(capsys: pytest.CaptureFixture[str]) -> None:
    """The stage of make verify: fixed seed, short run, PASS: the reference in process
    and over stdio, every wrong backend rejected naming its invariant, the figures
    in its line and a progress line per run while it works. (Slow: the whole stage
    takes minutes; `make verify`, which CI runs after `make test`, runs it every
    time, and this test pins the shape of its report.)"""
    from aura_conformance.protocol_specs import PROTOCOL_SPECS
    from aura_conformance.variants import WRONG_BACKENDS
    from aura_conformance.wire.stage import WIRE_WRONG_BACKENDS

    result = stage_conformance()
    assert result.status is Status.PASS, result.detail
    for name in ("ref: conformant", "epoch:ref: conformant", "descriptor:ref: conformant"):
        assert name in result.detail
    over_stdio = [k for k, s in PROTOCOL_SPECS.items() if s.over_stdio]
    assert over_stdio, "no spec is driven over stdio"
    for key in over_stdio:
        assert f"{key} over stdio: conformant (" in result.detail
    assert "wire over stdio: conformant (" in result.detail
    n = len(WRONG_BACKENDS) + len(WIRE_WRONG_BACKENDS)
    assert f"; {n}/{n} wrong backends rejected naming their invariant" in result.detail
    totals = re.search(r"; (\d+) runs, (\d+) steps validated in all", result.detail)
    assert totals is not None, result.detail
    lines = capsys.readouterr().out.splitlines()
    # The ticker's lines (" ... 12s (n runs, m steps so far, ...)") are not runs ending.
    done = [x for x in lines if x.startswith("[aura-verify] conformance: ") and "so far" not in x]
    # One line per reference run and per wrong backend, and their counts add up.
    assert len([x for x in done if "reference " in x]) == 4 + len(over_stdio) + 1
    assert len([x for x in done if "wrong backend " in x]) == n
    counted = [re.search(r"\((\d+) runs, (\d+) steps\)", x) for x in done if "reference " in x]
    assert int(totals[1]) > sum(int(m[1]) for m in counted if m) > 0


def test_conform_epoch_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """--spec epoch drives real handshakes; a public-id PSK backend exits 1."""
    assert main(["conform", "--spec", "epoch", "--examples", "5"]) == 0
    assert "epoch:ref: conformant" in capsys.readouterr().out
    assert main(["conform", "--spec", "epoch", "--backend", "psk-from-public-ids"]) == 1
    # The channel layer's shortfalls: no real rekey, channels not bound to their
    # context, and the pre-fix late key confirmation, each one exit 1.
    for variant in ("rotate-in-place", "peer-only-lookup", "keep-replaced-handshake"):
        assert main(["conform", "--spec", "epoch", "--backend", variant]) == 1, variant
    out = capsys.readouterr().out
    assert "RVChannelContextBound" in out and "ERRekeyIsNewHandshake" in out
    assert "harness action: ReceiveData" in out
    assert main(["conform", "--spec", "epoch", "--replay", "x"]) == 2


def test_conform_descriptor_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """--spec descriptor: the reference conforms, a revocation-ignoring service exits 1."""
    assert main(["conform", "--spec", "descriptor", "--examples", "5"]) == 0
    assert "descriptor:ref: conformant" in capsys.readouterr().out
    assert main(["conform", "--spec", "descriptor", "--backend", "revocation-ignored"]) == 1
    assert main(["conform", "--spec", "descriptor", "--backend", "nope"]) == 2


def test_conform_relay_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """--spec relay: the reference conforms; the junk-forwarding relay and the initiator
    that confirms directly exit 1 naming the invariant they break."""
    assert main(["conform", "--spec", "relay", "--examples", "5"]) == 0
    assert "relay:ref: conformant" in capsys.readouterr().out
    for variant, invariant in (
        ("junk-forwarding-relay", "RVRelayForwardsOnlyProtocol"),
        ("direct-confirmation", "RVRelayedEndToEnd"),
    ):
        assert main(["conform", "--spec", "relay", "--backend", variant]) == 1, variant
        assert invariant in capsys.readouterr().out
    assert main(["conform", "--spec", "relay", "--backend", "nope"]) == 2
