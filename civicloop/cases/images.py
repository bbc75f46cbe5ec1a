"""Photos made safe to show: typed by content, bounded in size, upright, without metadata, with a thumbnail.

Pure image work (Pillow, pillow-heif), no Django: `cases.attachments` passes the limits from settings
and stores what `process` returns. Every refusal is a `Refused` whose message is Chinese first, then
English, so the caller can show it as it is.

What others see never carries the camera's metadata: the stored copy is re-encoded by Pillow, which
writes no EXIF, XMP or ICC unless told to. The one exception is a file that already holds nothing but
pixels (a PNG with only image chunks, a JPEG with only a plain JFIF header — what a browser's canvas
produces when it shrinks a photo before upload), upright and small enough: it is kept byte for byte,
which spares a second lossy encoding and most of the work. The metadata worth keeping for staff
(where and when the photo was taken, on which camera) is returned separately in `private_meta`.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import struct
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

try:  # HEIC (iPhone photos) needs libheif, shipped in pillow-heif's wheels.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # pragma: no cover - the wheel is a dependency; a source build may lack libheif
    HEIF_AVAILABLE = False

THUMB_SIDE = 320
QUALITY = 85
THUMB_QUALITY = 80

EMPTY = "文件为空 / the file is empty"
NOT_AN_IMAGE = "只接受 JPEG、PNG、WebP 或 HEIC 图片 / only JPEG, PNG, WebP or HEIC images"
DAMAGED = "图片已损坏或不完整，无法读取，请重新拍摄或选择 / the image is damaged or incomplete and cannot be read"
NO_HEIC = ("服务器暂不支持 HEIC 图片，请改用 JPEG（iPhone：设置 → 相机 → 格式 → 兼容性最佳） / "
           "HEIC images are not supported on this server; please send JPEG")

# Pillow's name for each type we accept; Image.open tries only that decoder.
PILLOW_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF"}

# Decoders report damage in many ways; a photo they cannot read is damaged, as far as the sender goes.
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError,
                 KeyError, TypeError, ZeroDivisionError, MemoryError)


class Refused(Exception):
    """The upload cannot be shown; `message` is fit for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 40_000_000
    max_side: int = 2560  # long side of the stored copy
    thumb_side: int = THUMB_SIDE


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png"}[self.content_type]


@dataclass(frozen=True)
class Processed:
    original_type: str  # as sniffed from the bytes sent
    sha256: str  # of the bytes sent, to find the same photo sent twice; the bytes themselves are not kept
    image: Rendition  # what others see
    thumbnail: Rendition
    private_meta: dict = field(default_factory=dict)  # GPS, time, camera: staff only
    phash: str = ""  # 64-bit difference hash (16 hex): the same scene resent, resized or recompressed


def sniff(head: bytes) -> str | None:
    """The image type from the file's first bytes; a name or a browser's claim proves nothing."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    return None


@dataclass(frozen=True)
class Inspected:
    """What the quick checks learnt from a file's header, before any pixel is decoded."""

    kind: str
    width: int
    height: int
    clean: bool  # only pixels, upright and small: kept as sent, so processing it costs little

    @property
    def pixels(self) -> int:
        return self.width * self.height


def inspect(data: bytes, limits: Limits = Limits()) -> Inspected:
    """The checks a sender must hear about at once (empty, not an image, too many pixels, a header
    that cannot be read), in about a millisecond; `Refused` otherwise. Damage further into the file
    shows only when it is decoded (`process`)."""
    kind = _kind(data)
    try:
        im = _header(data, kind, limits)
        # A clean file has no EXIF, so its orientation is 1; only a JPEG's EXIF is read without decoding.
        orientation = _orientation(_exif(im)) if kind == "image/jpeg" else 1
        return Inspected(kind, *im.size, _clean_as_is(data, kind, im, orientation, limits))
    except Image.DecompressionBombError:
        raise Refused(too_many_pixels(limits.max_pixels)) from None
    except DECODE_ERRORS:
        raise Refused(DAMAGED) from None


def _kind(data: bytes) -> str:
    if not data:
        raise Refused(EMPTY)
    kind = sniff(data[:16])
    if kind is None:
        raise Refused(NOT_AN_IMAGE)
    if kind == "image/heic" and not HEIF_AVAILABLE:
        raise Refused(NO_HEIC)
    return kind


def too_many_pixels(limit: int) -> str:
    mega = limit / 1_000_000
    return f"图片像素过多（上限{mega:g}百万像素） / the image has too many pixels (at most {mega:g} megapixels)"


def process(data: bytes, limits: Limits = Limits()) -> Processed:
    """The stored copy, its thumbnail and the private metadata of one uploaded photo, or `Refused`."""
    kind = _kind(data)
    try:
        return _process(data, kind, limits)
    except Image.DecompressionBombError:
        raise Refused(too_many_pixels(limits.max_pixels)) from None
    except DECODE_ERRORS:
        raise Refused(DAMAGED) from None


def _process(data: bytes, kind: str, limits: Limits) -> Processed:
    im = _opened(data, kind, limits)
    size = im.size
    exif = _exif(im)
    orientation = _orientation(exif)
    private = _private_meta(exif)
    as_is = _clean_as_is(data, kind, im, orientation, limits)
    _decode(im, kind, _box(*size, limits.thumb_side) if as_is else _under(*size, limits.max_side))
    if as_is:
        image = Rendition(data, kind, *size)
    else:
        im = _upright(_reduced(_displayable(im), limits.max_side), orientation)
        image = _encode(im, QUALITY)
    small = _within(_flattened(im), limits.thumb_side)
    thumbnail = _encode(small, THUMB_QUALITY)
    return Processed(original_type=kind, sha256=hashlib.sha256(data).hexdigest(), image=image,
                     thumbnail=thumbnail, private_meta=private, phash=difference_hash(small))


def difference_hash(im: Image.Image) -> str:
    """dHash: brightness gradients of a 9×8 grey copy. Resizing, recompression and small crops move
    few bits, so photos a few bits apart (hamming_distance ≤ 10) are the same picture; fraud
    signals and duplicate detection compare these."""
    grey = im.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    pixels = grey.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = pixels[row * 9 + col], pixels[row * 9 + col + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def hamming_distance(a: str, b: str) -> int:
    """How many of the 64 bits differ between two difference hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _header(data: bytes, kind: str, limits: Limits) -> Image.Image:
    # Image.open reads the header only: the pixel count is checked before a byte is decoded, so a
    # 50,000 × 50,000 PNG costs nothing (Pillow itself refuses anything past twice its own limit).
    im = Image.open(io.BytesIO(data), formats=[PILLOW_FORMAT[kind]])
    width, height = im.size
    if width < 1 or height < 1:
        raise Refused(DAMAGED)
    if width * height > limits.max_pixels:
        raise Refused(too_many_pixels(limits.max_pixels))
    return im


def _opened(data: bytes, kind: str, limits: Limits) -> Image.Image:
    im = _header(data, kind, limits)
    if kind != "image/jpeg":
        # PNG and WebP may keep their EXIF after the pixels: decode first, so damage is seen as such
        # (reading EXIF would otherwise decode them half-way and swallow the error).
        im.load()
    return im


def _decode(im: Image.Image, kind: str, draft_box: tuple[int, int]) -> None:
    if kind == "image/jpeg":
        # libjpeg can decode at 1/2, 1/4 or 1/8 scale, several times faster than decoding everything and
        # shrinking after. For the stored copy the scale lands at or under the size cap (a 4000 × 3000
        # photo becomes 2000 × 1500 with the default 2560), so usually no resampling is left to do.
        im.draft(None, draft_box)
    im.load()


def _box(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height))
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _under(width: int, height: int, side: int) -> tuple[int, int]:
    """The draft request for the smallest DCT reduction that brings the long side to `side` or less."""
    scale = next((s for s in (1, 2, 4) if math.ceil(max(width, height) / s) <= side), 8)
    return max(1, width // scale), max(1, height // scale)


def _reduced(im: Image.Image, side: int) -> Image.Image:
    """The stored copy: an integer box reduction (fast, exact averaging) to the cap or just under it."""
    factor = math.ceil(max(im.size) / side)
    return im.reduce(factor) if factor > 1 else im


def _within(im: Image.Image, side: int) -> Image.Image:
    if max(im.size) <= side:
        return im
    # reducing_gap: a fast integer box reduction first, then Lanczos over the last factor of two or less.
    return im.resize(_box(*im.size, side), Image.Resampling.LANCZOS, reducing_gap=2.0)


# Pillow's own table (ImageOps.exif_transpose), applied here after shrinking, where it is cheap.
TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
             5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
             8: Image.Transpose.ROTATE_90}


def _exif(im: Image.Image) -> Image.Exif:
    try:
        return im.getexif()
    except DECODE_ERRORS:  # a damaged EXIF block (pixels already decoded, or not needed) is no metadata
        return Image.Exif()


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(0x0112, 1)
    return value if isinstance(value, int) and value in TRANSPOSE else 1


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def _displayable(im: Image.Image) -> Image.Image:
    """RGB or L for a photo, RGBA when some pixel is actually see-through."""
    if im.has_transparency_data:
        rgba = im.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            return rgba
        return rgba.convert("RGB")
    if im.mode in ("RGB", "L"):
        return im
    if im.mode.startswith("I"):  # 16-bit grey: Pillow's plain conversion would clip it to white
        return im.convert("I").point(lambda value: value / 256).convert("L")
    return im.convert("RGB")


def _flattened(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "L"):
        return im
    if im.mode in ("RGBA", "LA", "PA") or im.has_transparency_data:
        rgba = im.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return _displayable(im)


def _encode(im: Image.Image, quality: int) -> Rendition:
    """JPEG, or PNG when transparency must survive; no metadata of any kind is written."""
    im.info.clear()  # Pillow's writers would copy a JPEG comment, an ICC profile or XMP from the source
    buffer = io.BytesIO()
    if im.mode == "RGBA":
        im.save(buffer, "PNG", compress_level=6)
        content_type = "image/png"
    else:
        im.save(buffer, "JPEG", quality=quality)
        content_type = "image/jpeg"
    return Rendition(buffer.getvalue(), content_type, *im.size)


# ---------------------------------------------------------------------------- files kept as they are

# Chunks that describe only how to draw the pixels; text, time, EXIF and ICC chunks are not among them.
PNG_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD",
                    b"pHYs"}
# In entropy-coded JPEG data 0xFF is followed by 0x00 (stuffing), a restart marker or more 0xFF fill.
JPEG_NEXT_MARKER = re.compile(rb"\xff(?![\x00\xd0-\xd7\xff])")
JPEG_STRUCTURE = set(range(0xC0, 0xD0)) | {0xDB, 0xDD, 0xDC, 0xEE}  # SOFn/DHT/DAC, DQT, DRI, DNL, Adobe
JFIF_WITHOUT_THUMBNAIL = b"JFIF\x00"


def _clean_as_is(data: bytes, kind: str, im: Image.Image, orientation: int, limits: Limits) -> bool:
    """True when the file may be shown exactly as sent: only pixels, upright, small, nothing appended."""
    width, height = im.size
    if orientation != 1 or max(width, height) > limits.max_side:
        return False
    # A clean but bloated file (a PNG photo, a JPEG at quality 100) is still worth re-encoding.
    if len(data) > max(256 * 1024, width * height):
        return False
    if kind == "image/png":
        return _png_only_pixels(data)
    if kind == "image/jpeg":
        return im.mode in ("RGB", "L") and _jpeg_only_pixels(data)
    return False


def _png_only_pixels(data: bytes) -> bool:
    pos = 8
    while pos + 12 <= len(data):
        length, chunk = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if chunk not in PNG_PIXEL_CHUNKS or end > len(data):
            return False
        if chunk == b"IEND":
            return end == len(data)
        pos = end
    return False


def _jpeg_only_pixels(data: bytes) -> bool:
    pos = 2
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:  # EOI: clean only if nothing is appended after it
            return pos + 2 == len(data)
        if pos + 4 > len(data):
            return False
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos + 4:pos + 2 + length]
        if marker == 0xE0:
            if length != 16 or not segment.startswith(JFIF_WITHOUT_THUMBNAIL):
                return False
        elif marker != 0xDA and marker not in JPEG_STRUCTURE:
            return False  # APP1 EXIF/XMP, APP2 ICC, COM, and anything unusual
        pos += 2 + length
        if marker == 0xDA:
            found = JPEG_NEXT_MARKER.search(data, pos)
            if found is None:
                return False
            pos = found.start()
    return False


# ---------------------------------------------------------------------------- private metadata

GPS_IFD, EXIF_IFD = 0x8825, 0x8769


def _private_meta(exif: Image.Exif) -> dict:
    """Where, when and with what the photo was taken, as far as the camera said; never raises."""
    meta: dict = {}
    gps = _gps(exif)
    if gps is not None:
        meta["gps"] = gps
    taken = _taken_at(exif)
    if taken:
        meta["taken_at"] = taken
    for key, tag in (("make", 0x010F), ("model", 0x0110)):
        value = _text(exif.get(tag))
        if value:
            meta[key] = value
    return meta


def _gps(exif: Image.Exif) -> dict | None:
    """EXIF GPS is WGS-84 degrees, minutes, seconds with N/S and E/W references."""
    try:
        ifd = exif.get_ifd(GPS_IFD)
        lat = _degrees(ifd[2], ifd.get(1))
        lon = _degrees(ifd[4], ifd.get(3))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return None
    if lat == 0 and lon == 0:  # what cameras write without a fix
        return None
    return {"lat": round(lat, 7), "lon": round(lon, 7), "crs": "wgs84"}


def _degrees(dms, ref) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if _text(ref).upper() in ("S", "W") else value


def _taken_at(exif: Image.Exif) -> str | None:
    """DateTimeOriginal as ISO 8601, with the camera's UTC offset when it wrote one."""
    try:
        inner = exif.get_ifd(EXIF_IFD)
    except (KeyError, TypeError, ValueError):
        inner = {}
    raw = _text(inner.get(0x9003)) or _text(exif.get(0x0132))
    match = re.fullmatch(r"(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})", raw)
    if match is None:
        return None
    y, mo, d, h, mi, s = match.groups()
    offset = _text(inner.get(0x9011))
    return f"{y}-{mo}-{d}T{h}:{mi}:{s}" + (offset if re.fullmatch(r"[+-]\d{2}:\d{2}", offset) else "")


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return value.replace("\x00", "").strip()[:64]
