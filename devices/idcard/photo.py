"""The WLT photo: 1024 bytes that only the vendors' C libraries can turn into a
102x126 24-bit image. Called through ctypes when `[idcard] photo_decoder` names one.

The photo is personal data: it is decoded from memory into memory, never written to disk
and never logged (not its bytes, not its hash). Some vendor builds of `unpack` save a
BMP file when their flag asks for it: keep `flag` at the value that does not.
"""

from __future__ import annotations

import ctypes
import logging
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from devices.idcard.errors import PhotoDecoderError

log = logging.getLogger(__name__)

WLT_LEN = 1024
WIDTH, HEIGHT = 102, 126
ROW = (WIDTH * 3 + 3) & ~3  # BMP rows are padded to 4 bytes
BMP_LEN = 54 + ROW * HEIGHT  # 38,862
RAW_LEN = WIDTH * HEIGHT * 3  # 38,556: what some builds hand back without a header
_BUFFER = 65536  # generous: vendors disagree on what they write

Variant = Literal["unpack", "wlt2bmpBuffer", "DecodingPhotos"]
VARIANTS: tuple[Variant, ...] = ("unpack", "wlt2bmpBuffer", "DecodingPhotos")


@dataclass(frozen=True)
class PhotoDecoderSettings:
    library: str  # a path or a name ctypes.util finds ("libwlt.so")
    symbol: str = ""  # "" = the variant's own name
    variant: Variant = "unpack"
    flag: int = 0  # unpack's third argument (some builds want a magic value here)


class PhotoDecoder:
    """One vendor library, loaded on first use; its calls are serialised because most of
    these libraries keep static buffers."""

    def __init__(self, settings: PhotoDecoderSettings) -> None:
        if settings.variant not in VARIANTS:
            raise PhotoDecoderError(f"unknown decoder variant {settings.variant!r}")
        self.settings = settings
        self._fn: Callable[..., int] | None = None
        self._lock = threading.Lock()
        self.load_error = ""

    def load(self) -> bool:
        """Load the library now (the service does at start, for its status)."""
        try:
            self._function()
        except PhotoDecoderError as exc:
            self.load_error = str(exc)
            return False
        return True

    def _function(self) -> Callable[..., int]:
        if self._fn is None:
            s = self.settings
            try:
                lib = ctypes.CDLL(s.library)
                fn = getattr(lib, s.symbol or s.variant)
            except (OSError, AttributeError) as exc:
                raise PhotoDecoderError(f"cannot load the photo decoder {s.library!r} "
                                        f"({type(exc).__name__}: {exc})") from None
            buf = ctypes.c_char_p
            fn.restype = ctypes.c_int
            if s.variant == "DecodingPhotos":
                fn.argtypes = [buf, ctypes.c_int, buf, ctypes.c_int]
            else:
                fn.argtypes = [buf, buf, ctypes.c_int]
            self._fn = fn
        return self._fn

    def decode(self, wlt: bytes) -> bytes:
        """WLT -> a BMP image (bytes); PhotoDecoderError when the library refuses."""
        if len(wlt) != WLT_LEN:
            raise PhotoDecoderError(f"photo is {len(wlt)} bytes, not {WLT_LEN}")
        fn = self._function()
        src = ctypes.create_string_buffer(wlt, WLT_LEN)
        dst = ctypes.create_string_buffer(_BUFFER)
        variant = self.settings.variant
        with self._lock:
            if variant == "DecodingPhotos":
                rc = fn(src, WLT_LEN, dst, _BUFFER)
            elif variant == "wlt2bmpBuffer":
                rc = fn(src, dst, _BUFFER)
            else:
                rc = fn(src, dst, self.settings.flag)
        out = dst.raw
        del src  # ctypes buffers are freed with their object; drop ours promptly
        if out[:2] == b"BM":
            size = int.from_bytes(out[2:6], "little")
            return out[:size if 54 <= size <= _BUFFER else BMP_LEN]
        if any(out[:RAW_LEN]):
            return bgr_to_bmp(out[:RAW_LEN])  # headerless bottom-up BGR rows
        log.warning("idcard_photo_decode_failed variant=%s rc=%d", variant, rc)
        raise PhotoDecoderError(f"the photo decoder returned nothing (rc={rc})")


def bgr_to_bmp(raw: bytes) -> bytes:
    """Wrap 102x126 bottom-up BGR rows (no padding) into a 24-bit BMP."""
    if len(raw) != RAW_LEN:
        raise PhotoDecoderError(f"raw image is {len(raw)} bytes, not {RAW_LEN}")
    pad = b"\x00" * (ROW - WIDTH * 3)
    rows = b"".join(raw[y * WIDTH * 3:(y + 1) * WIDTH * 3] + pad for y in range(HEIGHT))
    header = b"BM" + struct.pack("<IHHI", BMP_LEN, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, WIDTH, HEIGHT, 1, 24, 0, ROW * HEIGHT,
                       3780, 3780, 0, 0)
    return header + info + rows
