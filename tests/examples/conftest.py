"""Make the example projects importable (``import shop``) as ``headwater`` would from their folder."""

from __future__ import annotations

import sys
from pathlib import Path

SHOP_DIR = Path(__file__).resolve().parents[2] / "examples" / "shop"

if str(SHOP_DIR) not in sys.path:
    sys.path.insert(0, str(SHOP_DIR))
