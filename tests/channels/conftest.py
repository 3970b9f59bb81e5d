"""Make the pairing helpers importable under importlib mode: ``channel_pairs`` and
``service_pairs`` from here, and ``world`` (the one builder of authorities) from
``tests/impl``."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _folder in (_HERE, _HERE.parent / "impl"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))
