"""A quiet stage is not a silent one: the run's stdout says it is still running."""

from __future__ import annotations

import io
import threading
import time

from aura_verify.run import _Heartbeat


def _wait_for(out: io.StringIO, text: str, limit: float = 30.0) -> bool:
    # A safety net, not a measurement: the line is due after a fraction of a second.
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if text in out.getvalue():
            return True
        time.sleep(0.02)
    return False


def test_a_quiet_stage_gets_still_running_lines_and_an_ended_one_none() -> None:
    out = io.StringIO()
    beat = _Heartbeat(out, interval=0.1)
    beat.start()
    try:
        beat.write("[aura-verify] z3-prove ...\n")
        beat.begin("z3-prove")
        assert _wait_for(out, "[aura-verify] z3-prove: still running (")
        beat.end("z3-prove")
        seen = out.getvalue()
        beat.write("between stages\n")
        time.sleep(0.5)  # several intervals with no stage running
        assert out.getvalue() == seen + "between stages\n"
    finally:
        beat.stop()


def test_each_running_stage_gets_its_line() -> None:
    """Two lanes: both stages still running are named, and only they."""
    out = io.StringIO()
    beat = _Heartbeat(out, interval=0.1)
    beat.start()
    try:
        beat.begin("spec-check")
        beat.begin("conformance")
        assert _wait_for(out, "[aura-verify] conformance: still running (")
        assert "[aura-verify] spec-check: still running (" in out.getvalue()
        beat.end("conformance")
        beat.end("spec-check")
    finally:
        beat.stop()


def test_two_threads_never_share_a_line() -> None:
    """print() writes a line's text and its newline in two calls; a second
    thread's line in between must not split it. Text without a newline is
    still written at stop()."""
    out = io.StringIO()
    beat = _Heartbeat(out, interval=60.0)
    beat.start()
    other = threading.Thread(target=lambda: beat.write("[aura-verify] z3-prove: PASS\n"))
    beat.write("[spec-check] MET     MC_A.cfg")
    other.start()
    other.join()
    beat.write("\n")
    beat.write("no newline yet")
    beat.stop()
    assert out.getvalue().splitlines() == [
        "[aura-verify] z3-prove: PASS",
        "[spec-check] MET     MC_A.cfg",
        "no newline yet",
    ]
