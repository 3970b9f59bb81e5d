"""``aura-verify conform``: bad input is one line and exit 2; the other exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from aura_verify import main
from aura_verify.commands.conform import (
    EXIT_BACKEND,
    EXIT_INCOMPLETE,
    EXIT_NOT_CONFORMANT,
    EXIT_USAGE,
)

EXAMPLE = f"{sys.executable} -m aura_conformance.examples.guard_backend"


def _code(argv: list[str]) -> int:
    """The exit code of ``aura-verify`` for ``argv``, whether it returns or exits."""
    try:
        return main(argv)
    except SystemExit as exc:
        assert isinstance(exc.code, int)
        return exc.code


def _one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("aura-verify conform: ")
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--examples", "0"], "--examples: must be at least 1, got 0"),
        (["--examples", "-3"], "--examples: must be at least 1, got -3"),
        (["--examples", "many"], "--examples: not an integer"),
        (["--steps", "0"], "--steps: must be at least 1"),
        (["--seed", "-1"], "--seed: must be at least 0"),
        (["--timeout", "0"], "--timeout: must be a positive number"),
        (["--timeout", "nan"], "--timeout: must be a positive number"),
        (["--timeout", "-2"], "--timeout: must be a positive number"),
        (["--spec", "rendezvous"], "invalid choice: 'rendezvous'"),
        (["--replay", "/nonexistent/trace.itf.json"], "no such trace file"),
        (["--backend", "nope"], "no program 'nope'"),
        (["--backend", "/nonexistent/backend"], "no program '/nonexistent/backend'"),
        (["--backend", "'unclosed"], "No closing quotation"),
        (["--spec", "epoch", "--backend", "nope"], "no program 'nope' (and no epoch backend"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _code(["conform", *argv]) == EXIT_USAGE
    assert said in _one_clean_line(capsys.readouterr().err)


def test_unknown_option_is_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    """Left to the top-level parser: its usage, then the error; no traceback."""
    assert _code(["conform", "--bogus"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unrecognized arguments: --bogus" in err and "Traceback" not in err


def test_bad_trace_files_are_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    garbage = tmp_path / "garbage.itf.json"
    garbage.write_text("{ not json")
    assert _code(["conform", "--replay", str(garbage)]) == EXIT_USAGE
    assert "not a JSON trace" in _one_clean_line(capsys.readouterr().err)
    assert _code(["conform", "--replay", str(tmp_path)]) == EXIT_USAGE
    assert "no such trace file" in _one_clean_line(capsys.readouterr().err)
    trace = tmp_path / "trace.itf.json"
    trace.write_text("{}")
    assert _code(["conform", "--spec", "relay", "--replay", str(trace)]) == EXIT_USAGE
    assert "--spec guard" in _one_clean_line(capsys.readouterr().err)
    occupied = tmp_path / "file"
    occupied.write_text("")
    assert _code(["conform", "--record", str(occupied)]) == EXIT_USAGE
    assert "not a directory" in _one_clean_line(capsys.readouterr().err)


def test_the_real_command_prints_one_line_and_exits_two() -> None:
    """The installed entry point, in a process of its own."""
    aura_verify = Path(sys.executable).with_name("aura-verify")
    out = subprocess.run(
        [str(aura_verify), "conform", "--examples", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == EXIT_USAGE
    assert "--examples: must be at least 1, got 0" in _one_clean_line(out.stderr)
    assert out.stdout == ""


def test_help_lists_every_exit_code() -> None:
    aura_verify = Path(sys.executable).with_name("aura-verify")
    out = subprocess.run(
        [str(aura_verify), "conform", "--help"], capture_output=True, text=True, check=True
    )
    text = out.stdout
    assert "exit codes:" in text and "docs/backend-protocol.md" in text
    for code in range(5):
        assert f"\n  {code}  " in text, code


def test_backend_of_another_protocol_exits_three(capsys: pytest.CaptureFixture[str]) -> None:
    # A backend of the first protocol answers the hello (it has no action) with an error.
    reply = "json.dumps({'id': json.loads(x)['id'], 'error': 'request needs action'})"
    old = f'{sys.executable} -c "import json, sys; [print({reply}, flush=True) for x in sys.stdin]"'
    assert _code(["conform", "--backend", old]) == EXIT_BACKEND
    err = capsys.readouterr().err
    assert "did not answer the hello" in err and "Traceback" not in err


def test_unsupported_actions_give_no_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    """A backend that leaves an action out is never reported conformant: exit 4."""
    argv = ["conform", "--examples", "3", "--backend", f"{EXAMPLE} --without EquivocateReceipt"]
    assert _code(argv) == EXIT_INCOMPLETE
    captured = capsys.readouterr()
    assert "SKIPPED EquivocateReceipt: unsupported (not declared in the hello)" in captured.err
    assert "no verdict" in captured.err
    assert "no verdict, 1 action(s) unsupported" in captured.out
    assert "conformant" not in captured.out


def test_a_bug_found_with_skips_is_still_not_conformant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend = f"{EXAMPLE} --variant no-signature-check --without Tick"
    argv = ["conform", "--examples", "3", "--no-shrink", "--backend", backend]
    assert _code(argv) == EXIT_NOT_CONFORMANT
    captured = capsys.readouterr()
    assert "NOT conformant" in captured.out and "SKIPPED Tick" in captured.err


def test_not_conformant_program_shows_its_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """A program found not conformant: its last words on stderr come with the verdict."""
    program = f"{EXAMPLE} --variant no-signature-check"
    backend = f"sh -c 'echo built without signature checks >&2; exec {program}'"
    argv = ["conform", "--examples", "3", "--no-shrink", "--backend", backend]
    assert _code(argv) == EXIT_NOT_CONFORMANT
    err = capsys.readouterr().err
    assert "backend stderr (last lines):\n  built without signature checks" in err


def test_descriptor_program_conforms_and_needs_its_lookups(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """DescriptorValidity over stdio: the reference program conforms (exit 0); one
    that does not answer the Lookups query is judged on its states only: exit 4."""
    program = f"{EXAMPLE} --spec descriptor"
    argv = ["conform", "--spec", "descriptor", "--examples", "3", "--backend", program]
    assert _code(argv) == 0
    assert "conformant" in capsys.readouterr().out
    argv[-1] = f"{program} --without Lookups"
    assert _code(argv) == EXIT_INCOMPLETE
    assert "SKIPPED Lookups: unsupported (query not declared)" in capsys.readouterr().err
