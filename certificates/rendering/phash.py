"""The perceptual hash (pHash) of a page: what a certificate stores at issuance and what the
fraud pipeline compares an upload with. Bit for bit imagehash.phash (a 32x32 Lanczos resize of the
greyscale page, its DCT, the 8x8 lowest frequencies against their median), written as two small
matrix products: imagehash computes the DCT with scipy.fftpack, whose import alone costs a worker
~27 MiB. Tests pin both functions to imagehash's output.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

# scipy.fftpack's unnormalised DCT-II of 32 samples, as a matrix: y = 2 * sum(x[n] * cos(pi k (2n+1) / 64)).
_DCT32 = 2 * np.cos(np.pi * np.arange(32)[:, None] * (2 * np.arange(32)[None, :] + 1) / 64)


def phash_bits(grey: np.ndarray) -> np.ndarray:
    """The 64 bits (8x8 booleans) of a greyscale page."""
    small = Image.fromarray(grey).resize((32, 32), Image.Resampling.LANCZOS)
    dct = _DCT32 @ np.asarray(small, dtype=np.float64) @ _DCT32.T
    low = dct[:8, :8]
    return low > np.median(low)


def phash_hex(image: Image.Image) -> str:
    """16 hex characters, as str(imagehash.phash(image)); the Hamming distance of two is the
    number of differing bits (imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))."""
    bits = phash_bits(np.asarray(image.convert("L"))).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"
