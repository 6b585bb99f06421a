"""QR codes as inline SVG (no style attributes, so the page's Content Security Policy allows them).

The mask pattern is fixed (ISO/IEC 18004 mask 0) instead of letting segno score all eight:
any mask gives a valid code that every reader decodes, and scoring them was most of a receipt
page's CPU under load (about 9 of 10 ms a code; docs/benchmarks.md).

A code depends only on its text and title, so the last few thousand drawn are kept (about 2 kB
each): a delegate who reloads a receipt page, or opens it again from the ballot list, gets the
code drawn the first time.
"""

from __future__ import annotations

from functools import lru_cache

import segno

MASK = 0


@lru_cache(maxsize=4096)
def qr_svg(text: str, title: str) -> str:
    return str(segno.make(text, error="m", mask=MASK).svg_inline(scale=4, title=title, svgclass="qr",
                                                                 lineclass="qr-line"))
