"""Fixtures for the checker tests: write a throwaway spec and evaluate in it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aura_model.tla import Model, load_model

HEADER = "EXTENDS Naturals, Integers, Sequences, FiniteSets, TLC, Bags"
SPECS = Path(__file__).resolve().parent / "specs"


def write_spec(tmp: Path, body: str, cfg: str = "INIT Init\nNEXT Next\n", name: str = "T") -> Path:
    spec = tmp / f"{name}.tla"
    spec.write_text(f"---- MODULE {name} ----\n{HEADER}\n{body}\n====\n", encoding="utf-8")
    (tmp / f"{name}.cfg").write_text(cfg, encoding="utf-8")
    return spec


@pytest.fixture
def make_spec(tmp_path: Path) -> Callable[..., Path]:
    def make(body: str, cfg: str = "INIT Init\nNEXT Next\n", name: str = "T") -> Path:
        return write_spec(tmp_path, body, cfg, name)

    return make


@pytest.fixture
def ev(tmp_path: Path) -> Callable[..., Any]:
    """``ev(expr, defs="")``: the value of a TLA+ expression."""
    counter = [0]

    def evaluate(expr: str, defs: str = "") -> Any:
        counter[0] += 1
        name = f"T{counter[0]}"
        body = f"VARIABLE x\n{defs}\nE == {expr}\nInit == x = 0\nNext == x' = x\n"
        model: Model = load_model(write_spec(tmp_path, body, name=name))
        return model.evaluate("E")

    return evaluate


@pytest.fixture
def specs() -> Path:
    return SPECS
