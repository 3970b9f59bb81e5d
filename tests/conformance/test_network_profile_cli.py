"""``aura-verify conform --profile network``: the relay path over sockets from the CLI."""

from __future__ import annotations

import re

import pytest
from aura_conformance.network import TRANSPORTS
from aura_verify import main


def test_the_cli_profile_names_the_transport_and_the_invariant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``conform --profile network``: one verdict per transport; exit 1 for a wrong
    backend, 2 for a spec that has no networked world."""
    argv = ["conform", "--profile", "network", "--spec", "relay", "--examples", "1"]
    assert main([*argv, "--backend", "first-relay-only"]) == 1
    out = capsys.readouterr().out
    for transport in TRANSPORTS:
        assert f"relay:first-relay-only over {transport}: NOT conformant" in out
    assert "RVRelayFallback" in out
    assert main(["conform", "--profile", "network", "--spec", "guard"]) == 2
    assert "--profile network runs --spec relay or epoch" in capsys.readouterr().err


def test_the_cli_reports_a_transport_fault_as_a_backend_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A crossing bounded below what any socket can do: exit 3 naming the safety net,
    no verdict line."""
    argv = ["conform", "--profile", "network", "--spec", "relay", "--timeout", "0.000001"]
    assert main(argv) == 3
    captured = capsys.readouterr()
    assert "conformant" not in captured.out
    # The set-up has its own net (SETUP_S); the first message's crossing hits this one.
    assert re.search(r"over TcpDirect: \w+ from \w+ to \w+ over TcpDirect: no result", captured.err)
    assert "a safety net: an error, not a verdict" in captured.err
