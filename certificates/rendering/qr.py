"""Making QR codes (segno) and reading them back from photos and scans (zxing-cpp).

Error correction is at least M (segno raises it for free when the chosen version has room), with the
standard 4-module quiet zone. A long trailing run of QR-alphanumeric characters -- the base32 signed
payload of :mod:`certificates.signing.keys` -- is encoded as its own alphanumeric segment (5.5 bits a
character instead of 8), which keeps certificate QR codes around version 15.
"""

import functools
import io
import re

import numpy as np
import segno
import zxingcpp
from PIL import Image, ImageFilter, ImageOps

ERROR_CORRECTION = "m"
QUIET_ZONE = 4  # modules, the minimum the QR standard asks for
MAX_VERSION = 25  # beyond this the modules get too small to scan from a printed A4 page
_ALNUM_TAIL = re.compile(
    r"[0-9A-Z $%*+\-./:]{24,}$"
)  # QR alphanumeric set; short runs are not worth a segment
_DECODE_MAX_SIDE = 2400  # bigger scans are downscaled first: faster, and averaging removes sensor noise


def _segments(text: str) -> list[str]:
    tail = _ALNUM_TAIL.search(text)
    if not tail or tail.start() == 0:
        return [text]
    return [text[: tail.start()], tail.group()]


def make_qr(text: str) -> segno.QRCode:
    """The QR symbol for ``text``; raises ValueError if it would need more than MAX_VERSION."""
    qr = segno.make(_segments(text), error=ERROR_CORRECTION, micro=False)
    if qr.version > MAX_VERSION:
        raise ValueError(f"text too long for a scannable QR code (needs version {qr.version})")
    return qr


@functools.lru_cache(maxsize=32)
def qr_modules(text: str) -> np.ndarray:
    """The module matrix including the quiet zone: a square bool array (read-only), True = dark.

    Cached because choosing the mask is the slow part (~0.1 s) and the PNG and the PDF of one
    certificate draw the same code.
    """
    matrix = np.pad(np.array(make_qr(text).matrix, dtype=bool), QUIET_ZONE, constant_values=False)
    matrix.flags.writeable = False
    return matrix


def _modules_to_image(modules: np.ndarray, scale: int) -> Image.Image:
    pixels = np.where(modules, 0, 255).astype(np.uint8)
    pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    return Image.fromarray(pixels)


def make_qr_image(text: str, size_px: int) -> Image.Image:
    """A greyscale ``size_px`` square QR image: whole-pixel modules, centred, extra space is quiet zone."""
    modules = qr_modules(text)
    scale = size_px // modules.shape[0]
    if scale < 1:
        raise ValueError(f"{size_px}px is too small for a QR code of {modules.shape[0]} modules")
    image = Image.new("L", (size_px, size_px), 255)
    symbol = _modules_to_image(modules, scale)
    offset = (size_px - symbol.width) // 2
    image.paste(symbol, (offset, offset))
    return image


def make_qr_png(text: str, *, scale: int = 8) -> bytes:
    """PNG bytes of the QR code, ``scale`` pixels per module."""
    buffer = io.BytesIO()
    _modules_to_image(qr_modules(text), scale).save(buffer, format="PNG")
    return buffer.getvalue()


# --- reading ----------------------------------------------------------------------------------------


def _grey(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)  # phone photos carry their rotation in EXIF
    if image.mode in ("RGBA", "LA", "P"):
        # Transparent areas become white, not black, so a QR on a transparent PNG stays readable.
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image.convert("RGBA"))
    grey = image.convert("L")
    if max(grey.size) > _DECODE_MAX_SIDE:
        grey.thumbnail((_DECODE_MAX_SIDE, _DECODE_MAX_SIDE), Image.Resampling.LANCZOS)
    return grey


def _otsu(grey: Image.Image) -> Image.Image:
    histogram = np.array(grey.histogram(), dtype=np.float64)
    levels = np.arange(256)
    weight = np.cumsum(histogram)
    mean = np.cumsum(histogram * levels)
    total, total_mean = weight[-1], mean[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weight - mean * total) ** 2 / (weight * (total - weight))
    threshold = int(np.argmax(np.nan_to_num(between, nan=-1.0)))  # NaN where one class is empty
    return grey.point(lambda v: 255 if v > threshold else 0)


def _variants(grey: Image.Image):
    """Ever more aggressive clean-ups, cheapest and most often useful first.

    A generator, so a clean scan costs one decode; an image without any QR code walks the whole
    list (~0.2 s for a 12 MP photo), which is why the costly filters run on the half-size image.
    """
    yield grey, zxingcpp.Binarizer.LocalAverage
    # Box-averaging to half size removes salt-and-pepper noise, sensor noise and JPEG ringing.
    half = grey.resize((max(1, grey.width // 2), max(1, grey.height // 2)), Image.Resampling.BOX)
    yield half, zxingcpp.Binarizer.LocalAverage
    yield ImageOps.autocontrast(grey, cutoff=1), zxingcpp.Binarizer.GlobalHistogram
    yield _otsu(half), zxingcpp.Binarizer.FixedThreshold
    if max(grey.size) <= 1600:  # small photos: modules of one or two pixels need room to binarize
        yield (
            grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.BILINEAR),
            zxingcpp.Binarizer.LocalAverage,
        )
    third = grey.resize((max(1, grey.width // 3), max(1, grey.height // 3)), Image.Resampling.BOX)
    yield third, zxingcpp.Binarizer.LocalAverage
    yield half.filter(ImageFilter.MedianFilter(3)), zxingcpp.Binarizer.LocalAverage  # heavy speckle


def _decode(image: Image.Image, binarizer: zxingcpp.Binarizer) -> list[str]:
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=binarizer)
    return [result.text for result in results if result.valid and result.text]


def read_qr_texts(image: Image.Image) -> list[str]:
    """The texts of the QR codes found in ``image`` (empty list when none decodes), de-duplicated."""
    grey = _grey(image)
    for variant, binarizer in _variants(grey):
        texts = _decode(variant, binarizer)
        if texts:
            return list(dict.fromkeys(texts))
    return []
