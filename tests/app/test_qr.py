"""QR codes: a fixed mask (app/qr.py) still encodes the text exactly."""

from __future__ import annotations

import segno

from app.qr import MASK, qr_svg


def test_the_fixed_mask_encodes_the_same_text() -> None:
    text = "https://lipvote.example/audit/motions/12?code=ABCD-EFGH-JKLM-NPQR"
    fixed = segno.make(text, error="m", mask=MASK)
    chosen = segno.make(text, error="m")
    # Same version and error level: only the mask differs, which every reader undoes.
    assert (fixed.version, fixed.error, fixed.mask) == (chosen.version, chosen.error, MASK)
    svg = qr_svg(text, "QR code of the audit link")
    assert svg.startswith("<svg") and 'class="qr"' in svg and "<title>QR code of the audit link</title>" in svg
