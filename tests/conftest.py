"""Shared test fixtures: the location of ``../shared`` (data read, never copied)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# With PYTHONDONTWRITEBYTECODE set (as on some CI images), every test worker and
# every backend subprocess the suite starts (hundreds: stdio backends, CLI runs)
# compiled the project's sources anew, and pytest rewrote every test module's
# asserts anew in each worker: about half the CPU of a subprocess-heavy test, and
# half of each worker's collection. The compiled files go to build/pycache (ignored
# by git, removed by make clean), so the source tree stays as clean as the setting
# meant; set PYTHONPYCACHEPREFIX yourself to put them elsewhere. Before the test
# modules import, so that their rewritten asserts are cached too; the environment
# carries it to the workers and subprocesses.
if sys.dont_write_bytecode and not os.environ.get("PYTHONPYCACHEPREFIX"):
    _PYCACHE = str(PROJECT_ROOT / "build" / "pycache")
    sys.dont_write_bytecode = False
    sys.pycache_prefix = _PYCACHE
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = _PYCACHE

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# A verdict never depends on the machine's speed: Hypothesis's two timing checks
# (the per-example deadline and the slow-generation health check) fail a test on
# a loaded machine that passes alone (seen: test_choice_order_independent under
# two CPU hogs). Every other health check stays on. Tests that set their own
# settings inherit these, as the profile is loaded before test modules import.
settings.register_profile("aura", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("aura")


def shared_dir() -> Path:
    """``../shared`` relative to the project root (or ``$AURA_SHARED``).

    Fails the calling test with a clear message when the folder is absent,
    instead of a confusing FileNotFoundError deep inside a test.
    """
    path = Path(os.environ.get("AURA_SHARED", PROJECT_ROOT.parent / "shared")).resolve()
    if not path.is_dir():
        pytest.fail(
            f"shared data folder not found at {path}: clone the project with ../shared "
            "beside it (or set AURA_SHARED)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


# First: before the parallel runner's own hook tells the controller this worker is done.
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop Hypothesis's garbage-collection timer once no test is left to run.

    Hypothesis times collections with a ``gc.callbacks`` entry. When the parallel test
    runner stops a worker it interrupts the worker's main thread, and if that
    interrupt lands inside the callback Python can only print it ("Exception ignored
    in: ... gc_callback ... KeyboardInterrupt"), a traceback at the end of a green
    run. After the session nothing needs the timer.
    """
    import gc

    gc.callbacks[:] = [
        cb for cb in gc.callbacks if not getattr(cb, "__module__", "").startswith("hypothesis.")
    ]
