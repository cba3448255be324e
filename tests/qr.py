"""Reading a QR code back, as a phone's camera would: zxing-cpp (a decoder independent of
segno, which draws them) over the image Pillow opens. For tests only (the test extra)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_qr(image: bytes) -> list[str]:
    """The text of every code in a PNG (or any image Pillow reads)."""
    with Image.open(io.BytesIO(image)) as opened:
        found = zxingcpp.read_barcodes(opened.convert("L"))
    return [code.text for code in found]
