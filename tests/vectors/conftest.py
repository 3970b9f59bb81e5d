"""Fixtures of the vector tests: the committed vector file, parsed and loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aura_conformance.vectors import Document, load_document

VECTOR_FILE = Path(__file__).resolve().parents[2] / "vectors" / "wire-formats.json"


@pytest.fixture(scope="session")
def vector_file() -> Path:
    return VECTOR_FILE


@pytest.fixture(scope="session")
def committed() -> Document:
    return load_document(VECTOR_FILE)


@pytest.fixture
def raw() -> dict[str, Any]:
    parsed = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))
    assert isinstance(parsed, dict)
    return parsed
