"""A reader that goes away (``aura-verify ... | head``) ends the command quietly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("aura-verify")


def test_a_closed_stdout_is_no_traceback() -> None:
    """stdout is a pipe whose reader has already gone, so the run's first line
    meets a broken pipe whatever the machine's speed (reading one line and then
    closing raced the run: a fast run could fit all its output in the pipe's
    buffer first and exit 0). Exit 128 + SIGPIPE, nothing on stderr but the
    run's own lines (before the fix: a BrokenPipeError traceback, exit 1)."""
    argv = [str(SCRIPT), "conform", "--spec", "guard", "--examples", "5", "--coverage"]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.Popen(argv, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=300)  # a safety net; the run takes seconds
    assert "Traceback" not in err, err
    assert code == 128 + signal.SIGPIPE, err
