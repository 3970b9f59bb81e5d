"""``aura-verify conform --spec wire``: the reference conforms, in process and as a
program; a backend with no cryptography is not conformant and is told why."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aura_verify import main
from aura_verify.commands.conform import EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_USAGE

SERVE = f"{sys.executable} -m aura_conformance.wire.serve"


def _code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        assert isinstance(exc.code, int)
        return exc.code


def test_reference_conforms_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert _code(["conform", "--spec", "wire", "--examples", "5"]) == EXIT_CONFORMANT
    out = capsys.readouterr().out
    assert "wire:ref: conformant" in out
    # The one-line coverage summary closes a run.
    assert out.splitlines()[-1].startswith("coverage wire: actions ")


@pytest.mark.slow  # test_wire.py runs the reference over stdio in make test, and make verify
def test_reference_program_conforms_over_stdio(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["conform", "--spec", "wire", "--backend", SERVE, "--examples", "3"]
    assert _code(argv) == EXIT_CONFORMANT
    assert ": conformant" in capsys.readouterr().out


def test_no_crypto_is_not_conformant_and_says_what_was_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["conform", "--spec", "wire", "--backend", "no-crypto", "--examples", "3"]
    assert _code(argv) == EXIT_NOT_CONFORMANT
    out = capsys.readouterr().out
    assert "WireInterop" in out
    assert "refused the backend's message 1: Rejected:HandshakeAuthError" in out


def test_record_is_refused_for_wire(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _code(["conform", "--spec", "wire", "--record", str(tmp_path)]) == EXIT_USAGE
    assert "not available for --spec wire" in capsys.readouterr().err
