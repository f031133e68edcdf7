"""A minimal, fast PNG writer for rendered charts (and Pillow's, to compare), and a reader of a
PNG's size."""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESS_LEVEL = 1
"""zlib level 1: a chart's flat colours compress almost as well as at 6, in half the time."""
UP_FILTER = 2


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of an 8-bit RGB image given as a (height, width, 3) uint8 array (any strides,
    so an RGBA buffer's `[:, :, :3]` view needs no copy).

    Every row is stored with PNG's "up" filter (its difference from the row above): a chart's
    many identical rows become zeros, which compress to almost nothing.
    """
    if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8 or not pixels.size:
        raise ValueError(f"expected a (height, width, 3) uint8 array, got {pixels.shape}")
    height, width, _ = pixels.shape
    rows = np.empty((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = UP_FILTER
    body = rows[:, 1:].reshape(height, width, 3)
    body[0] = pixels[0]
    np.subtract(pixels[1:], pixels[:-1], out=body[1:])  # modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit truecolour
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.data, COMPRESS_LEVEL))
        + _chunk(b"IEND", b"")
    )


def pillow_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of the same (height, width, 3) uint8 image written by Pillow, at our zlib level:
    the plain way, for `Tricks(own_png=False)`."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=COMPRESS_LEVEL)
    return buffer.getvalue()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's header; ValueError if `data` is not a PNG."""
    if len(data) < 24 or not data.startswith(SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
