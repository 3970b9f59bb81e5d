"""Make ``world`` (the one builder of authorities) importable by name, here and
from ``tests/channels`` (whose conftest adds this folder too)."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
