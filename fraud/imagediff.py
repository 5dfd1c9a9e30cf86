"""Compare an uploaded certificate with the issuer's stored original rendering.

Steps: perceptual-hash distance (a coarse "is this the same picture" figure); align the upload to
the original (ECC from the identity, or ORB features + RANSAC homography refined by ECC), so a
scan, a re-save, a resize or a slightly rotated photo lines up; then a misalignment-tolerant
difference on blurred, photometrically matched greyscale, thresholded and cleaned up into changed
regions; and a heat map of the original with those regions in red.

All work happens at most `WORK_WIDTH` pixels wide; every step is a vectorised OpenCV call.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from certificates.api import phash_bits

WORK_WIDTH = 1200
# Greyscale levels (0-255) a pixel must differ by, after blur and after allowing it to shift by
# TOLERANCE_PX, to count as changed. Genuine re-saves, rescales, 1-2 degree rotations and mild
# noise stay well below it; text drawn on paper differs by 100+ (measured, see tests).
DIFF_THRESHOLD = 45.0
TOLERANCE_PX = 1
BLUR_SIGMA = 1.2
# A photo or re-raster can be softer than the original: the original is blurred further by the one
# of these (work-scale pixels) that matches the upload's sharpness (`_matched_blur`).
EXTRA_BLUR_SIGMAS = (0.0, 0.75, 1.5, 2.25, 3.0)
# Uneven lighting is estimated at 1/8 scale with this blur (in those small pixels).
LIGHTING_SIGMA = 4.0
# A changed region must hold this many changed work-scale pixels (a stroke of a small digit).
MIN_CHANGED_PIXELS = 12
# Ignore this share of each edge: rotated scans bring in fill colour and photos the table edge.
BORDER_MARGIN = 0.03
# ECC correlation (0-1) below which the upload is not considered lined up with the original.
MIN_ALIGNMENT_SCORE = 0.6
# Registration quality: the residual misalignment left after alignment, measured per tile by phase
# correlation between the original and the aligned upload (work-scale pixels; the 75th percentile
# over the tiles that hold print, so a few edited tiles cannot hide a poorly aligned page). The
# difference map forgives a shift of TOLERANCE_PX after a BLUR_SIGMA blur, about 1.5 px in all;
# beyond that a stroke's edges differ by more than DIFF_THRESHOLD and misalignment looks like an
# edit, so the changed regions of a worse registration are not evidence.
MAX_RESIDUAL_PX = 1.5
RESIDUAL_TILE = 128
RESIDUAL_QUANTILE = 75
MIN_TILE_CONTRAST = 12.0  # grey-level standard deviation of a tile that holds print
_ECC_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-4)

Box = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class ChangedRegion:
    box: Box  # in upload pixels
    original_box: Box  # in the original rendering's pixels
    strength: float  # mean difference inside the region, 0-255

    def as_dict(self) -> dict:
        return {"box": list(self.box), "original_box": list(self.original_box), "strength": self.strength}


@dataclass
class ImageComparison:
    phash_distance: int
    aligned: bool
    alignment: str  # "ecc", "features", or "none"
    alignment_score: float
    residual_px: float | None = None  # registration residual (see MAX_RESIDUAL_PX); None: unmeasured
    changed_regions: list[ChangedRegion] = field(default_factory=list)
    changed_fraction: float = 0.0
    heatmap_png: bytes = b""  # the original dimmed, changes in red; only when there are changes
    original_size: tuple[int, int] = (0, 0)

    @property
    def matches_original(self) -> bool:
        return self.aligned and not self.changed_regions

    @property
    def registered_well(self) -> bool:
        """Whether the alignment is close enough to tell an edit from misalignment."""
        return self.aligned and self.residual_px is not None and self.residual_px <= MAX_RESIDUAL_PX


def compare_with_original(
    upload: Image.Image, original: Image.Image | bytes, *, upload_size: tuple[int, int] | None = None
) -> ImageComparison:
    """Where, if anywhere, the upload differs from the issuer's original rendering.

    `upload` may be a reduced decode of the uploaded page (the work is done at most WORK_WIDTH
    wide); changed regions are reported in the pixels of `upload_size`, the full page.
    """
    if isinstance(original, bytes | bytearray):
        with Image.open(io.BytesIO(original)) as img:
            original = _on_white(img)
    else:
        original = _on_white(original)
    scale = min(1.0, WORK_WIDTH / original.width)
    size = (max(1, round(original.width * scale)), max(1, round(original.height * scale)))
    orig_rgb = np.asarray(_shrink(original, size).resize(size, Image.Resampling.BOX))
    orig = cv2.cvtColor(orig_rgb, cv2.COLOR_RGB2GRAY)
    up = _to_grey(upload, size)
    distance = int(np.count_nonzero(phash_bits(up) != phash_bits(orig)))
    warp, method, score = align(orig, up)
    aligned = score >= MIN_ALIGNMENT_SCORE
    result = ImageComparison(distance, aligned, method if aligned else "none", round(score, 3))
    result.original_size = original.size
    if not aligned:
        return result
    result.residual_px = registration_residual(orig, up, warp)
    diff, valid = difference_map(orig, up, warp)
    mask, regions = _changed_regions(diff)
    result.changed_regions = _map_regions(regions, warp, size, upload_size or upload.size, scale)
    result.changed_fraction = round(float(mask.sum()) / max(1.0, float(valid.sum())), 5)
    if regions:  # a clean match needs no picture; skip the encoding cost
        result.heatmap_png = _encode_png(_heatmap(orig_rgb, mask, [box for box, _ in regions]))
    return result


def _on_white(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white paper (as a viewer or printer shows it); an RGB
    image is returned as it is, loaded (no copy)."""
    image.load()
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Reduce by a whole factor towards `size` first (PIL's reducer is cheap) so a 12 MP photo
    is never converted or resampled at full size."""
    factor = max(1, min(image.width // size[0], image.height // size[1]))
    return image.reduce(factor) if factor > 1 else image


def _to_grey(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    grey = np.asarray(_on_white(_shrink(image, size)).convert("L"))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


# --- alignment ---------------------------------------------------------------------------------


def align(orig: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, str, float]:
    """A homography mapping original coordinates to upload coordinates, its method and ECC score.

    ECC from the identity handles scans, re-saves and small rotations; when that does not
    converge well (a photo with a margin, a crop), ORB features give the starting point.
    """
    orig, up = _flatten_paper(orig), _flatten_paper(up)
    identity = np.eye(3, dtype=np.float32)
    warp, score = _ecc_pyramid(orig, up, identity)
    if score >= 0.9:
        return warp, "ecc", score
    initial = _feature_homography(orig, up)
    if initial is not None:
        refined, refined_score = _ecc_pyramid(orig, up, initial)
        if refined_score > score:
            return refined, "features", refined_score
    return warp, "ecc", score


def _flatten_paper(grey: np.ndarray) -> np.ndarray:
    """The image divided by its paper brightness, so lighting gradients cannot steer alignment.

    The paper is what is left after a max filter wider than any pen stroke, estimated at 1/4 scale.
    """
    small = cv2.resize(
        grey, (max(1, grey.shape[1] // 4), max(1, grey.shape[0] // 4)), interpolation=cv2.INTER_AREA
    )
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))).astype(np.float32)
    paper = cv2.resize(cv2.GaussianBlur(paper, (0, 0), 3), grey.shape[::-1], interpolation=cv2.INTER_LINEAR)
    return np.clip(grey.astype(np.float32) / np.maximum(paper, 1.0) * 255, 0, 255).astype(np.uint8)


def _scaled(warp: np.ndarray, factor: float) -> np.ndarray:
    """The same homography expressed on images `factor` times as large."""
    s = np.diag([factor, factor, 1.0]).astype(np.float32)
    return (s @ warp @ np.linalg.inv(s)).astype(np.float32)


def _ecc_pyramid(orig: np.ndarray, up: np.ndarray, initial: np.ndarray) -> tuple[np.ndarray, float]:
    """Coarse affine ECC at 1/4 scale, then homography at 1/2 scale; returns (warp, score)."""
    warp = initial.astype(np.float32)
    score = 0.0
    for factor, motion in ((0.25, cv2.MOTION_AFFINE), (0.5, cv2.MOTION_HOMOGRAPHY)):
        small_o = cv2.resize(orig, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        small_u = cv2.resize(up, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        level = _scaled(warp, factor)
        matrix = level[:2] if motion == cv2.MOTION_AFFINE else level
        try:
            score, matrix = cv2.findTransformECC(
                small_o, small_u, matrix.copy(), motion, _ECC_CRITERIA, None, 5
            )
        except cv2.error:
            return warp, 0.0
        level = np.vstack([matrix, [0, 0, 1]]) if motion == cv2.MOTION_AFFINE else matrix
        warp = _scaled(level.astype(np.float32), 1 / factor)
        if score < MIN_ALIGNMENT_SCORE:  # not converging on this start; don't pay for the fine level
            break
    return warp, float(score)


def _feature_homography(orig: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    orb = cv2.ORB_create(nfeatures=3000)
    kp_o, des_o = orb.detectAndCompute(orig, None)
    kp_u, des_u = orb.detectAndCompute(up, None)
    if des_o is None or des_u is None or len(kp_o) < 20 or len(kp_u) < 20:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(des_o, des_u, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.75 * p[1].distance]
    if len(good) < 20:
        return None
    src = np.float32([kp_o[m.queryIdx].pt for m in good])
    dst = np.float32([kp_u[m.trainIdx].pt for m in good])
    warp, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0)
    if warp is None or int(inliers.sum()) < 20:
        return None
    return warp.astype(np.float32)


def registration_residual(orig: np.ndarray, up: np.ndarray, warp: np.ndarray) -> float | None:
    """Residual misalignment in work-scale pixels after `warp` (see MAX_RESIDUAL_PX), or None
    when no tile holds enough print to measure it."""
    h, w = orig.shape
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpPerspective(up, warp, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    a, b = _flatten_paper(orig).astype(np.float32), _flatten_paper(warped).astype(np.float32)
    window = cv2.createHanningWindow((RESIDUAL_TILE, RESIDUAL_TILE), cv2.CV_32F)
    my, mx = round(h * BORDER_MARGIN), round(w * BORDER_MARGIN)
    shifts = []
    for y in range(my, h - my - RESIDUAL_TILE + 1, RESIDUAL_TILE):
        for x in range(mx, w - mx - RESIDUAL_TILE + 1, RESIDUAL_TILE):
            tile_a = a[y : y + RESIDUAL_TILE, x : x + RESIDUAL_TILE]
            if float(tile_a.std()) < MIN_TILE_CONTRAST:
                continue
            (dx, dy), _ = cv2.phaseCorrelate(tile_a, b[y : y + RESIDUAL_TILE, x : x + RESIDUAL_TILE], window)
            shifts.append(float(np.hypot(dx, dy)))
    if not shifts:
        return None
    return round(float(np.percentile(shifts, RESIDUAL_QUANTILE)), 2)


# --- difference --------------------------------------------------------------------------------


def difference_map(orig: np.ndarray, up: np.ndarray, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel difference (0-255) the alignment cannot explain, and the mask of comparable pixels."""
    h, w = orig.shape
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpPerspective(up, warp, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    valid = _valid_mask(warp, (h, w))
    b = cv2.GaussianBlur(warped.astype(np.float32), (0, 0), BLUR_SIGMA)
    a = _matched_blur(orig.astype(np.float32), b, valid)
    b = _match_levels(b, a, valid)
    kernel = np.ones((2 * TOLERANCE_PX + 1,) * 2, np.uint8)
    # A pixel is changed only if no pixel within TOLERANCE_PX of it on the other image explains
    # it, in both directions: added ink shows in the first term, erased ink in the second.
    added = np.maximum(b - cv2.dilate(a, kernel), cv2.erode(a, kernel) - b)
    erased = np.maximum(a - cv2.dilate(b, kernel), cv2.erode(b, kernel) - a)
    diff = np.maximum(np.maximum(added, erased), 0.0)
    return diff * valid, valid


def _matched_blur(orig: np.ndarray, up: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The original blurred as much as the upload is (a defocused photo, a soft re-raster): of
    BLUR_SIGMA plus each of EXTRA_BLUR_SIGMAS, the one the level-matched upload differs least from
    (mean absolute difference over the comparable pixels), chosen at half scale."""
    half = (max(1, orig.shape[1] // 2), max(1, orig.shape[0] // 2))
    small_o, small_u = (cv2.resize(x, half, interpolation=cv2.INTER_AREA) for x in (orig, up))
    small_v = cv2.resize(valid, half, interpolation=cv2.INTER_NEAREST)
    inside = small_v > 0
    errors = []
    for extra in EXTRA_BLUR_SIGMAS:
        blurred = cv2.GaussianBlur(small_o, (0, 0), float(np.hypot(BLUR_SIGMA, extra)) / 2)
        matched = _match_levels(small_u, blurred, small_v)
        errors.append(float(np.abs(matched - blurred)[inside].mean()) if inside.any() else 0.0)
    extra = EXTRA_BLUR_SIGMAS[int(np.argmin(errors))]
    return cv2.GaussianBlur(orig, (0, 0), float(np.hypot(BLUR_SIGMA, extra)))


def _valid_mask(warp: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    inside = cv2.warpPerspective(
        np.ones((h, w), np.uint8), warp, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    )
    my, mx = round(h * BORDER_MARGIN), round(w * BORDER_MARGIN)
    frame = np.zeros((h, w), np.uint8)
    frame[my : h - my, mx : w - mx] = 1
    return (cv2.erode(inside, np.ones((9, 9), np.uint8)) & frame).astype(np.float32)


def _smooth(image: np.ndarray, small: tuple[int, int]) -> np.ndarray:
    return cv2.GaussianBlur(cv2.resize(image, small, interpolation=cv2.INTER_AREA), (0, 0), LIGHTING_SIGMA)


def _flatten_lighting(up: np.ndarray, orig: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Divide out uneven lighting: the ratio of the two images blurred far beyond any letter.

    Once aligned, the two images carry the same content, so at that scale they differ only by the
    light falling on the paper (a phone photo, a scanner lid); a local edit barely moves the ratio.
    Pixels outside `valid` (fill from rotation, the table around a photo) are left out of both.
    """
    small = (max(1, up.shape[1] // 8), max(1, up.shape[0] // 8))
    ratio = _smooth(up * valid, small) / np.maximum(_smooth(orig * valid, small), 8.0)
    gain = cv2.resize(ratio, up.shape[::-1], interpolation=cv2.INTER_LINEAR)
    return up / np.clip(gain, 0.2, 5.0)


def _match_levels(up: np.ndarray, orig: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Map the upload's brightness and contrast onto the original's (scanner, screen, camera)."""
    up = _flatten_lighting(up, orig, valid)
    sample = valid[::4, ::4] > 0
    x, y = up[::4, ::4][sample], orig[::4, ::4][sample]
    if x.size < 100 or float(x.std()) < 1.0:
        return up
    gain, offset = np.polyfit(x, y, 1)
    if not 0.3 < gain < 3.0:  # a fit this far off means no sensible mapping; compare as is
        return up
    return up * np.float32(gain) + np.float32(offset)


def _changed_regions(diff: np.ndarray) -> tuple[np.ndarray, list[tuple[Box, float]]]:
    """Changed pixels grouped into regions (work-scale boxes with their mean difference)."""
    changed = (diff > DIFF_THRESHOLD).astype(np.uint8)
    # Closing joins the strokes of an edited word into one region; each region must then hold
    # enough truly changed pixels, so a few stray ones (a JPEG block, a speck) never make one.
    grouped = cv2.morphologyEx(changed, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 9)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    pixels = np.bincount(labels.ravel(), weights=changed.ravel(), minlength=count)
    total = np.bincount(labels.ravel(), weights=(diff * changed).ravel(), minlength=count)
    keep = np.zeros(count, bool)
    keep[1:] = pixels[1:] >= MIN_CHANGED_PIXELS
    mask = keep[labels] & changed.astype(bool)
    parts = [(tuple(int(v) for v in stats[i][:4]), total[i], pixels[i]) for i in np.flatnonzero(keep)]
    return mask, [(box, round(float(t / n), 1)) for box, t, n in _merge_line_parts(parts)]


def _merge_line_parts(parts: list[tuple[Box, float, float]]) -> list[tuple[Box, float, float]]:
    """Merge regions that sit side by side on one line: a re-typed, re-centred name is one edit."""
    merged = list(parts)
    while pair := _first_mergeable(merged):
        i, j = pair
        (a, ta, na), (b, tb, nb) = merged[i], merged.pop(j)
        merged[i] = (_union(a, b), ta + tb, na + nb)
    return merged


def _first_mergeable(parts: list[tuple[Box, float, float]]) -> tuple[int, int] | None:
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            if _same_line_neighbours(parts[i][0], parts[j][0]):
                return i, j
    return None


def _same_line_neighbours(a: Box, b: Box) -> bool:
    height = max(a[3], b[3])
    gap_x = max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2])
    overlap_y = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return gap_x <= height and overlap_y >= 0.5 * min(a[3], b[3])


def _union(a: Box, b: Box) -> Box:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _map_regions(
    regions: list[tuple[Box, float]],
    warp: np.ndarray,
    work_size: tuple[int, int],
    upload_size: tuple[int, int],
    scale: float,
) -> list[ChangedRegion]:
    mapped = [
        ChangedRegion(_to_upload_box(box, warp, work_size, upload_size), _scale_box(box, 1 / scale), strength)
        for box, strength in regions
    ]
    return sorted(mapped, key=lambda r: r.original_box[2] * r.original_box[3], reverse=True)


def _scale_box(box: Box, factor: float) -> Box:
    x, y, w, h = box
    return (round(x * factor), round(y * factor), max(1, round(w * factor)), max(1, round(h * factor)))


def _to_upload_box(
    box: Box, warp: np.ndarray, work_size: tuple[int, int], upload_size: tuple[int, int]
) -> Box:
    x, y, w, h = box
    corners = np.float32([[x, y], [x + w, y], [x, y + h], [x + w, y + h]]).reshape(-1, 1, 2)
    mapped = cv2.perspectiveTransform(corners, warp).reshape(-1, 2)
    mapped *= np.float32([upload_size[0] / work_size[0], upload_size[1] / work_size[1]])
    x0, y0 = np.clip(mapped.min(axis=0), 0, upload_size)
    x1, y1 = np.clip(mapped.max(axis=0), 0, upload_size)
    return (int(x0), int(y0), max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0))))


# --- heat map ----------------------------------------------------------------------------------


def _dim(rgb: np.ndarray) -> np.ndarray:
    # Fade towards white so red marks stand out and the document stays legible.
    return (rgb.astype(np.float32) * 0.45 + 140).clip(0, 255).astype(np.uint8)


def _heatmap(rgb: np.ndarray, mask: np.ndarray, boxes: list[Box]) -> np.ndarray:
    out = _dim(rgb)
    red = np.zeros_like(out)
    red[..., 0] = 230
    # Thicken the marks so a changed stroke is visible at thumbnail size.
    changed = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    out[changed] = (0.35 * out[changed] + 0.65 * red[changed]).astype(np.uint8)
    for x, y, w, h in boxes:
        cv2.rectangle(out, (x - 4, y - 4), (x + w + 4, y + h + 4), (220, 0, 0), 2)
    return out


def _encode_png(rgb: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - encoding an in-memory uint8 image does not fail
        raise ValueError("could not encode the heat map")
    return data.tobytes()
