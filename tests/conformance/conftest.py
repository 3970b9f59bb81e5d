"""Fixtures shared by the conformance tests."""

from __future__ import annotations

from typing import Any

import pytest
from aura_rendezvous import ReceiptVerifier


@pytest.fixture
def undone(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every token ``ReceiptVerifier.undo`` is called with during the test (the real
    undo still runs): a rollback of a receiver's acceptance is seen, not assumed."""
    calls: list[Any] = []
    real_undo = ReceiptVerifier.undo

    def spy(self: ReceiptVerifier, token: Any) -> None:
        calls.append(token)
        real_undo(self, token)

    monkeypatch.setattr(ReceiptVerifier, "undo", spy)
    return calls
