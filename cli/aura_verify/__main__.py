"""``python -m aura_verify``: the same as the ``aura-verify`` script."""

import sys

from aura_verify.main import main

sys.exit(main())
