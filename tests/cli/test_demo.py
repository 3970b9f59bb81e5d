"""``aura-verify demo``: every step runs on loopback and the exit code says whether
all of them worked (in process: the command as a user runs it, minus the fork)."""

from __future__ import annotations

import pytest
from aura_verify import main

STEPS = ("listen", "stun", "publish", "sync", "connect", "send", "rotate epoch", "rekey")


def test_every_step_works_and_a_direct_rung_wins(capsys: pytest.CaptureFixture[str]) -> None:
    """QUIC direct normally; TCP direct if QUIC was slower than its head start (the
    ladder races the direct rungs), never the relay while both are open."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in STEPS:
        assert f"[ok  ] {step}" in out
    assert "FAIL" not in out
    assert "by QuicDirect: QuicDirect connected" in out or "TcpDirect connected" in out
    assert "journal sync" in out and "1 republished" not in out
    assert out.rstrip().endswith("all steps worked")


def test_a_failed_step_fails_the_demo(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counterpart: a send whose echo does not match makes the run exit 1."""
    from aura_net import _demo

    async def garbled(*args: object) -> bool:
        return False

    monkeypatch.setattr(_demo, "_exchange", garbled)
    assert main(["demo"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] send" in out
    assert out.rstrip().endswith("some step failed")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("block", "attempts"),
    [
        ("quic", "by TcpDirect: QuicDirect Superseded"),
        ("direct", "by WebSocketRelay: QuicDirect SafetyNetTimeout"),
    ],
)
def test_the_demo_falls_back_when_paths_are_blocked(
    capsys: pytest.CaptureFixture[str], block: str, attempts: str
) -> None:
    assert main(["demo", "--block", block]) == 0
    out = capsys.readouterr().out
    assert attempts in out
    assert "FAIL" not in out


def test_an_unknown_block_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--block", "everything"])
    assert exit_.value.code == 2
