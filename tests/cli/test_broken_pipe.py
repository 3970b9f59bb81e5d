"""A reader that goes away (``aura-verify ... | head``) ends the command quietly."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("aura-verify")


def test_a_closed_stdout_is_no_traceback() -> None:
    """The run's first line is read, then the pipe closed: the coverage table
    printed later meets a broken pipe. Exit 128 + SIGPIPE, nothing on stderr
    but the run's own lines (before the fix: a BrokenPipeError traceback, exit 1)."""
    argv = [str(SCRIPT), "conform", "--spec", "guard", "--examples", "5", "--coverage"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=300)  # a safety net; the run takes seconds
    assert "Traceback" not in err, err
    assert code == 128 + signal.SIGPIPE, err
