"""``python -m bench``: the same as ``python -m bench.run``."""

from __future__ import annotations

import sys

from bench.run import main

raise SystemExit(main(sys.argv[1:]))  # an output path, as for ``python -m bench.run``
