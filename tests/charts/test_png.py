from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from flightdelays.charts.png import encode_png, pillow_png, png_size


def test_encoded_png_decodes_to_the_same_pixels() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    pixels[3:] = pixels[2]  # repeated rows, as in charts

    data = encode_png(pixels)

    assert png_size(data) == (5, 7)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), pixels)


def test_encodes_a_strided_view_of_rgba() -> None:
    rgba = np.random.default_rng(1).integers(0, 256, size=(4, 6, 4), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(encode_png(rgba[:, :, :3])))
    assert np.array_equal(np.asarray(decoded), rgba[:, :, :3])


@pytest.mark.parametrize("shape", [(4, 4), (4, 4, 4), (0, 4, 3)])
def test_refuses_what_is_not_an_rgb_image(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="expected"):
        encode_png(np.zeros(shape, dtype=np.uint8))


def test_png_size_refuses_other_files() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + bytes(30))


def test_pillow_png_decodes_to_the_same_pixels_as_ours() -> None:
    pixels = np.random.default_rng(2).integers(0, 256, size=(6, 9, 3), dtype=np.uint8)

    data = pillow_png(pixels)

    assert png_size(data) == (9, 6)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), pixels)
    assert data != encode_png(pixels)
