"""Real-world captures of a certificate page: phone photos, chat forwards, office scans, screenshots.

Each capture is a small function of the page image and a seeded `numpy` generator, returning the
file's extension and bytes; `CAPTURES` lists them by kind. The ranges are those people produce
(issue K.2): a phone photo turned 5-8 degrees with keystone, the page filling 45-80 % of a frame
1280-4032 px wide, defocus up to 2.5 px, uneven light and a glare spot, JPEG 70-85; a chat app's
forward of such a photo (1600 px, JPEG 60); a grey office scan with skew and noise; a screenshot
of a viewer with its toolbars; a copy with its borders cropped; a "print to PDF" re-rasterization.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

from tests.fraud import images

Capture = Callable[[Image.Image, np.random.Generator], tuple[str, bytes]]


def _jpeg(image: Image.Image | np.ndarray, quality: int) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    return images.jpeg(image.convert("RGB"), quality=quality)


def table_background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A desk under the page: a dark wood-like tone with grain and noise (RGB uint8)."""
    base = rng.uniform(60, 120)
    xx = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    grain = 10 * np.sin(xx * rng.uniform(40, 90) + np.linspace(0, 3, height, dtype=np.float32)[:, None])
    tone = base + grain + rng.normal(0, 4, (height, width)).astype(np.float32)
    rgb = np.stack([tone * 1.1, tone * 0.95, tone * 0.8], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def page_homography(
    page_size: tuple[int, int], frame_size: tuple[int, int], rng: np.random.Generator, *, share: float
) -> np.ndarray:
    """Where the page lands in the frame: scaled to `share` of the frame's area, turned 5-8 degrees
    either way, one edge foreshortened 3-7 % (keystone), corners jittered; kept inside the frame."""
    (pw, ph), (fw, fh) = page_size, frame_size
    scale = np.sqrt(share * fw * fh / (pw * ph))
    angle = np.deg2rad(rng.uniform(5, 8) * rng.choice([-1, 1]))
    keystone = rng.uniform(0.03, 0.07)
    corners = np.float32([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]]) * scale
    corners[:2, 0] *= 1 - keystone  # the far (top) edge looks shorter
    corners += rng.normal(0, 0.006 * pw * scale, corners.shape).astype(np.float32)
    rotation = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ rotation.T
    span = corners.max(axis=0) - corners.min(axis=0)
    fit = min(1.0, 0.96 * fw / span[0], 0.96 * fh / span[1])  # a large share at a steep angle
    corners *= np.float32(fit)
    room = (np.float32([fw, fh]) - (corners.max(axis=0) - corners.min(axis=0))) / 2
    offset = np.float32([fw / 2, fh / 2]) + rng.uniform(-0.8, 0.8, 2).astype(np.float32) * room
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    return cv2.getPerspectiveTransform(source, (corners + offset).astype(np.float32))


def defocus(rgb: np.ndarray, radius: float) -> np.ndarray:
    """A lens out of focus: the image convolved with a disk of `radius` pixels."""
    size = 2 * int(np.ceil(radius)) + 1
    yy, xx = np.mgrid[:size, :size] - size // 2
    disk = np.clip(radius + 0.5 - np.sqrt(xx**2 + yy**2), 0, 1).astype(np.float32)
    return cv2.filter2D(rgb, -1, disk / disk.sum())


def uneven_light(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light falling off across the frame (to 75-90 %) and a soft glare spot (+30-60 levels)."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    ramp = (xx / w - 0.5) * direction[0] + (yy / h - 0.5) * direction[1]
    gain = 1.0 - rng.uniform(0.1, 0.25) * (ramp + 0.5)
    cx, cy, radius = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h, rng.uniform(0.06, 0.12) * w
    glare = rng.uniform(30, 60) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius**2))
    lit = rgb.astype(np.float32) * gain[..., None] + glare[..., None]
    return np.clip(lit, 0, 255).astype(np.uint8)


def photo_frame(page: Image.Image, rng: np.random.Generator, *, width: int | None = None) -> np.ndarray:
    """A hand-held phone photo of the page on a desk (RGB array), before the camera's encoding."""
    fw = width or int(rng.integers(1280, 4033))
    fh = round(fw * 3 / 4)
    share = float(rng.uniform(0.45, 0.8))
    # Draw the page at no more than the frame needs (a 2000 px page in a 1280 frame is ~900 px).
    warp = page_homography(page.size, (fw, fh), rng, share=share)
    frame = table_background(fw, fh, rng)
    cv2.warpPerspective(
        np.asarray(page.convert("RGB")), warp, (fw, fh), frame, cv2.INTER_AREA, cv2.BORDER_TRANSPARENT
    )
    frame = defocus(frame, float(rng.uniform(0.5, 2.5)))
    frame = uneven_light(frame, rng)
    noise = rng.normal(0, 2.5, frame.shape).astype(np.float32)
    return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def phone_photo(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    return "jpg", _jpeg(photo_frame(page, rng), int(rng.integers(70, 86)))


def chat_forward(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    """A phone photo forwarded by a chat app: resized to 1600 px wide, re-encoded at quality 60."""
    frame = Image.fromarray(photo_frame(page, rng))
    frame = frame.resize((1600, round(1600 * frame.height / frame.width)), Image.Resampling.BILINEAR)
    return "jpg", _jpeg(frame, 60)


def office_scan(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    """A grey office scan at ~150 dpi: skewed 1-3 degrees, a dark scanner-lid margin, noise, JPEG 80."""
    grey = page.convert("L").resize((1754, round(1754 * page.height / page.width)), Image.Resampling.LANCZOS)
    angle = float(rng.uniform(1, 3) * rng.choice([-1, 1]))
    bed = Image.new("L", (grey.width + 60, grey.height + 60), 70)
    bed.paste(grey, (30 + int(rng.integers(-10, 10)), 30 + int(rng.integers(-10, 10))))
    skewed = np.asarray(bed.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=70), np.float32)
    skewed = cv2.GaussianBlur(skewed, (0, 0), 0.7) + rng.normal(0, 4, skewed.shape).astype(np.float32)
    return "jpg", _jpeg(Image.fromarray(np.clip(skewed, 0, 255).astype(np.uint8), "L"), 80)


def screenshot(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    """A screenshot of a PDF viewer: toolbar, side panel and status bar around the page, PNG."""
    sw, sh = 1920, 1080
    screen = np.full((sh, sw, 3), 50, np.uint8)
    screen[:88] = (38, 38, 42)  # title and tool bars
    screen[88:, :240] = (60, 62, 66)  # thumbnails panel
    screen[-30:] = (30, 30, 34)  # status bar
    for x in range(20, 700, 48):  # toolbar buttons
        screen[30:62, x : x + 32] = (120, 120, 128)
    shown_w = int(rng.integers(1200, 1560))
    shown = page.convert("RGB").resize(
        (shown_w, round(shown_w * page.height / page.width)), Image.Resampling.LANCZOS
    )
    top, left = 100, 240 + (sw - 240 - shown_w) // 2
    visible = min(shown.height, sh - 30 - top)
    screen[top : top + visible, left : left + shown_w] = np.asarray(shown)[:visible]
    return "png", images.encode(Image.fromarray(screen), "PNG", compress_level=1)


def cropped_border(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    """The page with 2-5 % cut off each edge (a crop in a photo app), saved as JPEG 85."""
    w, h = page.size
    left, top, right, bottom = (rng.uniform(0.02, 0.05, 4) * [w, h, w, h]).astype(int)
    return "jpg", _jpeg(page.crop((left, top, w - right, h - bottom)), 85)


def print_to_pdf(page: Image.Image, rng: np.random.Generator) -> tuple[str, bytes]:
    """ "Print to PDF" of the image: re-rasterized at 100-150 dpi on an A4 page with margins."""
    dpi = int(rng.integers(100, 151))
    sheet = Image.new("RGB", (round(11.69 * dpi), round(8.27 * dpi)), "white")
    margin = round(0.4 * dpi)
    width = sheet.width - 2 * margin
    shown = page.convert("RGB").resize(
        (width, round(width * page.height / page.width)), Image.Resampling.BILINEAR
    )
    sheet.paste(shown, (margin, (sheet.height - shown.height) // 2))
    buf = io.BytesIO()
    sheet.save(buf, "PDF", resolution=dpi, quality=90)
    return "pdf", buf.getvalue()


CAPTURES: dict[str, Capture] = {
    "phone_photo": phone_photo,
    "chat_forward": chat_forward,
    "office_scan": office_scan,
    "screenshot": screenshot,
    "cropped_border": cropped_border,
    "print_to_pdf": print_to_pdf,
}
CAPTURE_KINDS = tuple(CAPTURES)
