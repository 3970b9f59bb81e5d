"""Shared test fixtures: the location of ``../shared`` (data read, never copied)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# A verdict never depends on the machine's speed: Hypothesis's two timing checks
# (the per-example deadline and the slow-generation health check) fail a test on
# a loaded machine that passes alone (seen: test_choice_order_independent under
# two CPU hogs). Every other health check stays on. Tests that set their own
# settings inherit these, as the profile is loaded before test modules import.
settings.register_profile("aura", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("aura")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
