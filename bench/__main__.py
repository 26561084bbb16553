"""``python -m bench``: the same as ``python -m bench.run``."""

from __future__ import annotations

from bench.run import main

raise SystemExit(main())
