"""The standard engraved background: paper, guilloche bands, frame and seal, drawn with Pillow."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from certificates.rendering.fonts import pil_font

if TYPE_CHECKING:
    from certificates.rendering.render import RenderInput


_SUPERSAMPLE = 2  # lines are drawn at twice the size and scaled down: Pillow's lines are not anti-aliased


_SUPERSAMPLE_MAX_PIXELS = 6_000_000  # above this, memory matters more than smooth lines


_SEAL_MIN_LETTERS, _SEAL_MAX_LETTERS = 24, 44  # fewer looks sparse, more overlaps at the seal's type size


def seal_text(organization_name: str) -> str:
    """The issuer's name around its seal (never ours): repeated to go round, by its initials when
    too long. Letters are set one by one, so only scripts that need no shaping and read left to
    right are set; any other name leaves the ring plain."""
    name = " ".join(organization_name.upper().split())
    if not name or any(ord(c) >= 0x0590 for c in name):
        return ""
    if len(name) + 3 > _SEAL_MAX_LETTERS:
        name = "".join(word[0] for word in name.split() if word[0].isalnum())
    unit = f"{name} \u2022 "
    return unit * max(1, -(-_SEAL_MIN_LETTERS // len(unit)))


def rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _mix(a: str, b: str, t: float) -> tuple[int, int, int]:
    """``a`` moved a fraction ``t`` towards ``b``."""
    return tuple(round(x + (y - x) * t) for x, y in zip(rgb(a), rgb(b), strict=True))


def _paper(width: int, height: int, paper: str) -> Image.Image:
    """The paper colour, a little darker towards the edges like a vignette."""
    # Computed on a coarse grid and scaled up: the gradient is smooth, and a full-size float grid
    # would cost hundreds of MiB in a worker.
    small_w, small_h = max(2, width // 16), max(2, height // 16)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    distance = ((xx / small_w - 0.5) ** 2 + (yy / small_h - 0.5) ** 2) * 2  # 0 centre .. 1 corners
    edge = np.array(_mix(paper, "#8a7550", 0.10), dtype=np.float32)
    centre = np.array(rgb(paper), dtype=np.float32)
    pixels = centre + (edge - centre) * (distance[..., None] ** 1.5)
    small = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    return small.resize((width, height), Image.Resampling.BICUBIC)


def _rosette(
    draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float, color, width: int, petals=12, copies=8
):
    """A guilloche rosette: rotated copies of a petalled closed curve."""
    for copy_index in range(copies):
        phase = copy_index * 2 * math.pi / (copies * petals)
        points = []
        for step in range(721):
            theta = step * 2 * math.pi / 720
            r = radius * (0.62 + 0.38 * abs(math.sin(petals / 2 * (theta + phase))))
            points.append((cx + r * math.cos(theta), cy + r * math.sin(theta)))
        draw.line(points, fill=color, width=width, joint="curve")


def _wave_band(draw: ImageDraw.ImageDraw, start, end, offset: float, amplitude: float, color, width: int):
    """Three interlaced sine waves between two points: the engraved-looking border band."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    nx, ny = -uy, ux
    period = 22 * amplitude
    for phase in (0, 2 * math.pi / 3, 4 * math.pi / 3):
        points = []
        for step in range(int(length // 3) + 1):
            t = step * 3
            o = offset + amplitude * math.sin(2 * math.pi * t / period + phase)
            points.append((x1 + ux * t + nx * o, y1 + uy * t + ny * o))
        draw.line(points, fill=color, width=width, joint="curve")


def _frame(draw: ImageDraw.ImageDraw, w: int, h: int, s: int, colors: dict):
    primary, accent, paper = colors["primary"], colors["accent"], colors["paper"]
    draw.rectangle([36 * s, 36 * s, w - 36 * s, h - 36 * s], outline=primary, width=12 * s)
    draw.rectangle([52 * s, 52 * s, w - 52 * s, h - 52 * s], outline=primary, width=2 * s)
    band = _mix(accent, paper, 0.25)
    corners = [(80 * s, 80 * s), (w - 80 * s, 80 * s), (w - 80 * s, h - 80 * s), (80 * s, h - 80 * s)]
    for i, start in enumerate(corners):  # clockwise, so the wave's normal points inwards on every side
        _wave_band(draw, start, corners[(i + 1) % 4], 0, 12 * s, band, 2 * s)
    draw.rectangle([104 * s, 104 * s, w - 104 * s, h - 104 * s], outline=accent, width=3 * s)
    for cx, cy in corners:  # corner ornaments hide where the four wave bands meet
        diamond = [(cx, cy - 34 * s), (cx + 34 * s, cy), (cx, cy + 34 * s), (cx - 34 * s, cy)]
        draw.polygon(diamond, fill=paper, outline=accent, width=3 * s)
        _rosette(draw, cx, cy, 22 * s, accent, s, petals=8, copies=3)
        draw.ellipse([cx - 6 * s, cy - 6 * s, cx + 6 * s, cy + 6 * s], fill=primary)


def _ring_text(image: Image.Image, text: str, cx: float, cy: float, radius: float, size: int, color):
    """Letters set upright around a circle, clockwise from the top."""
    font = pil_font("sans-bold", size)
    step = 2 * math.pi / len(text)
    for i, char in enumerate(text):
        angle = -math.pi / 2 + i * step
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size, size), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle + math.pi / 2), resample=Image.Resampling.BICUBIC)
        x, y = cx + radius * math.cos(angle) - size, cy + radius * math.sin(angle) - size
        image.paste(Image.new("RGB", glyph.size, color), (round(x), round(y)), glyph)


def _star(cx: float, cy: float, outer: float, inner: float, points: int = 5) -> list[tuple[float, float]]:
    return [
        (cx + (outer if k % 2 == 0 else inner) * math.cos(-math.pi / 2 + k * math.pi / points),
         cy + (outer if k % 2 == 0 else inner) * math.sin(-math.pi / 2 + k * math.pi / points))
        for k in range(points * 2)
    ]  # fmt: skip


def _seal(image: Image.Image, cx: float, cy: float, size: float, colors: dict, text: str):
    """A gold rosette seal with two ribbon tails and the issuer's name around it."""
    draw = ImageDraw.Draw(image)
    r = size / 2
    primary, accent, paper = colors["primary"], colors["accent"], colors["paper"]
    for side in (-1, 1):  # ribbon tails, drawn first so the seal covers their tops
        x0, x1 = cx + side * r * 0.15, cx + side * r * 0.75
        draw.polygon(
            [(x0, cy), (x0 + side * r * 0.35, cy), (x1, cy + r * 1.35), (x1 - side * r * 0.2, cy + r * 1.18), (x1 - side * r * 0.45, cy + r * 1.4)],
            fill=primary,
        )  # fmt: skip
    scallops = [
        (cx + r * (0.93 + 0.07 * math.cos(40 * t)) * math.cos(t), cy + r * (0.93 + 0.07 * math.cos(40 * t)) * math.sin(t))
        for t in (k * 2 * math.pi / 720 for k in range(720))
    ]  # fmt: skip
    draw.polygon(scallops, fill=accent)
    dark = _mix(accent, "#000000", 0.3)
    draw.ellipse(
        [cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8], outline=paper, width=max(2, round(r * 0.02))
    )
    draw.ellipse(
        [cx - r * 0.56, cy - r * 0.56, cx + r * 0.56, cy + r * 0.56],
        fill=dark,
        outline=paper,
        width=max(2, round(r * 0.02)),
    )
    _rosette(draw, cx, cy, r * 0.5, _mix(accent, "#000000", 0.15), max(1, round(r * 0.008)), petals=10)
    draw.polygon(_star(cx, cy, r * 0.28, r * 0.11), fill=paper)
    if text:
        _ring_text(image, text, cx, cy, r * 0.68, max(8, round(r * 0.13)), paper)


@functools.lru_cache(maxsize=8)
def _procedural_background(width: int, height: int, colors: tuple, seal: tuple | None) -> Image.Image:
    """Paper, engraved border, a faint central rosette and the seal. Cached: it depends only on the layout
    and the issuer's name on the seal."""
    s = _SUPERSAMPLE if width * height <= _SUPERSAMPLE_MAX_PIXELS else 1
    palette = dict(colors)
    image = _paper(width * s, height * s, palette["paper"])
    draw = ImageDraw.Draw(image)
    watermark = _mix(palette["paper"], palette["accent"], 0.22)  # faint enough to keep text OCR-clean
    _rosette(draw, width * s / 2, height * s * 0.47, min(width, height) * s * 0.33, watermark, s, petals=16)
    _frame(draw, width * s, height * s, s, palette)
    if seal:
        _seal(image, seal[0] * s, seal[1] * s, seal[2] * s, palette, seal[3])
    return image.resize((width, height), Image.Resampling.LANCZOS)


def draw_background(inp: RenderInput, layout: dict) -> Image.Image:
    width, height = layout["canvas"]["width"], layout["canvas"]["height"]
    if inp.background is not None:
        background = ImageOps.exif_transpose(inp.background).convert("RGBA")
        paper = Image.new("RGBA", background.size, layout["colors"]["paper"])
        flat = Image.alpha_composite(paper, background).convert("RGB")  # transparent areas become paper
        return ImageOps.fit(flat, (width, height), Image.Resampling.LANCZOS)
    seal = layout["elements"]["seal"]
    seal_key = (
        None
        if seal.get("visible") is False
        else (seal["x"], seal["y"], seal["size"], seal_text(inp.organization_name))
    )
    colors = tuple(sorted(layout["colors"].items()))
    return _procedural_background(width, height, colors, seal_key).copy()
