"""The self-test's checks of the parts below the screen (`kiosk --self-test`, run by
launcher/selftest.py, which prints their lines and the summary): storage, the card reader,
the camera, the printer, the platform, the fonts. Each runs on its own thread and is given
a bounded time (`run_bounded`); whatever it raises becomes its FAIL line. The screens
check is ui/selftest.py's. Nothing is sent to the platform but the catalog GET; no visit is
started. Lines carry no personal data.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .app import UiSettings
from .config import KioskConfig
from .runtime.watch import DISK_LOW_MB

log = logging.getLogger(__name__)

# Below the running kiosk's "disk low" mark the self-test fails: a terminal is handed
# over with a day's scans of room to spare.
MIN_FREE_BYTES = DISK_LOW_MB * 1024 * 1024
CHINESE_SAMPLE = "政务服务中心 回执"  # drawn through the receipt's raster font


class CheckFailed(Exception):
    """The check ran and the part is not usable; the message is the line's detail."""


class CheckSkipped(Exception):
    """The part is not configured on this terminal (counts as a pass)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: str  # "PASS", "FAIL" or "SKIP"
    detail: str

    @property
    def passed(self) -> bool:
        return self.outcome != "FAIL"

    def line(self) -> str:
        return f"{self.outcome} {self.name}: {self.detail}"


@dataclass
class Context:
    config_path: Path
    config: KioskConfig
    ui: UiSettings


Check = Callable[[Context], str]


def _outcome(name: str, fn: Check, ctx: Context) -> CheckResult:
    try:
        return CheckResult(name, "PASS", fn(ctx))
    except CheckSkipped as exc:
        return CheckResult(name, "SKIP", str(exc))
    except CheckFailed as exc:
        return CheckResult(name, "FAIL", str(exc))
    except Exception as exc:  # a check must never take the self-test down: name it, go on
        log.warning("self_test_check_crashed check=%s error=%s", name, type(exc).__name__,
                    exc_info=True)
        return CheckResult(name, "FAIL", f"{type(exc).__name__}: {exc}")


def run_bounded(name: str, fn: Check, ctx: Context, timeout_s: float) -> CheckResult:
    """Run one check on a daemon thread; past `timeout_s` it fails (and is left behind:
    the process ends soon after, and a hung device call must not hang the self-test)."""
    box: list[CheckResult] = []
    t = threading.Thread(target=lambda: box.append(_outcome(name, fn, ctx)),
                         name=f"self-test-{name}", daemon=True)
    t.start()
    t.join(timeout_s)
    if not box:
        return CheckResult(name, "FAIL", f"no answer within {timeout_s:g} s")
    return box[0]


# ---- the checks ----------------------------------------------------------------------


def check_storage(ctx: Context) -> str:
    from offline_queue.crypto import KeyFileError, fsync_dir
    from offline_queue.outbox import Outbox

    storage = ctx.config.storage
    data = storage.data_dir
    try:
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = data / f".self-test-{os.getpid()}"
        payload = os.urandom(4096)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        back = probe.read_bytes()
        probe.unlink()
        fsync_dir(data)
    except OSError as exc:
        raise CheckFailed(f"data folder {data} is not writable: {exc.strerror or exc}") from None
    if back != payload:
        raise CheckFailed(f"data folder {data}: a test file read back different bytes")
    free = shutil.disk_usage(data).free
    if free < MIN_FREE_BYTES:
        raise CheckFailed(f"data folder {data}: only {free / 2**20:.0f} MiB free "
                          f"(at least {MIN_FREE_BYTES / 2**20:.0f} MiB needed)")
    try:
        box = Outbox(storage, ctx.config.kiosk)
    except KeyFileError as exc:
        raise CheckFailed(f"key file: {exc}") from None
    try:
        st = box.status()
    finally:
        box.close()
    logs = ctx.config.logging.dir
    if logs is not None:
        try:
            logs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckFailed(f"log folder {logs}: {exc.strerror or exc}") from None
        if not os.access(logs, os.W_OK):
            raise CheckFailed(f"log folder {logs} is not writable")
    return (f"{data} writable, {free / 2**30:.1f} GiB free; outbox {st.pending} pending, "
            f"{st.dead} dead; key file readable")


def check_card(ctx: Context) -> str:
    from devices.card.service import CardService

    settings = ctx.config.card
    service = CardService(settings)
    try:
        # The monitor is the package's own view of pcscd: readers, cards, service state.
        service.start(lambda _event: None)
        mon = service.monitor
        deadline = time.monotonic() + max(3.0, settings.poll_interval_s * 4)
        while time.monotonic() < deadline and mon is not None and not (
                mon.service_up and mon.rounds > 0):
            time.sleep(0.05)
        status = service.status()
        readers = mon.readers() if mon is not None else []
    finally:
        service.stop()
    names = ", ".join(repr(r.name) for r in readers) or "none"
    if status.state not in ("ok", "degraded"):
        raise CheckFailed(f"{status.state} ({status.code}): {status.detail}; readers: {names}")
    mine = [r for r in readers if r.name.startswith(settings.reader)]
    if not mine:  # the monitor never reported in: status() had nothing to go on
        raise CheckFailed(f"offline (reader_missing): reader {settings.reader!r} not found; "
                          f"readers: {names}")
    card = "card inserted" if mine[0].card_present else "no card in it"
    note = f"; {status.state}: {status.detail}" if status.state == "degraded" else ""
    return f"reader {mine[0].name!r} present, {card}{note}"


def check_camera(ctx: Context) -> str:
    from devices.camera import CameraSettings, Capture

    source = ctx.ui.camera_source
    if source is None:
        raise CheckSkipped("no source configured")
    settings = CameraSettings(source=source, fps=ctx.ui.camera_fps)
    capture = Capture(settings)
    capture.start()
    try:
        frame = capture.latest(settings.open_timeout_s + 3.0)
        status = capture.status()
    finally:
        capture.stop()
    if frame is None:
        raise CheckFailed(f"{status.state.value} ({status.code}): {status.detail}")
    w, h = frame.size
    return f"source {source!r}: a {w}x{h} frame; {status.state.value} ({status.code})"


def check_printer(ctx: Context) -> str:
    from devices.printer import Printer

    p = ctx.config.printer
    status = Printer.from_url(p.url, p.profile, timeouts=p.timeouts).status()
    where = status.detail if p.url in status.detail else f"{p.url}: {status.detail}"
    line = f"{status.state.value} ({status.code}): {where}"
    if status.state.value not in ("ok", "degraded"):
        raise CheckFailed(line)
    return f"{line}; paper {status.paper.value}"


def check_platform(ctx: Context) -> str:
    from offline_queue.client import PlatformClient, PlatformError, TransportError, Unauthorized

    client = PlatformClient(ctx.config.platform, ctx.config.kiosk.id)
    try:
        reply = client.fetch_catalog()
    except Unauthorized as exc:
        raise CheckFailed(f"credentials refused (401 {exc.code}): the token or client "
                          "certificate is not accepted") from None
    except TransportError as exc:
        text = exc.message
        kind = "TLS" if any(w in text for w in ("SSL", "certificate", "CERTIFICATE")) \
            else "unreachable"
        raise CheckFailed(f"{kind} ({exc.code}): {text}") from None
    except PlatformError as exc:
        raise CheckFailed(f"{type(exc).__name__} ({exc.code}, {exc.status}): "
                          f"{exc.message}") from None
    finally:
        client.close()
    catalog = reply.catalog or {}
    return (f"{ctx.config.platform.url}: catalog {catalog.get('version', '?')}, "
            f"{len(catalog.get('services', []))} services, ETag {reply.etag or 'none'}")


def _origin(path: Path) -> str:
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None and Path(bundle) in path.parents:
        return "bundled"
    return str(path.parent)


def check_fonts(ctx: Context) -> str:
    from devices.camera.ocrb import font_path
    from devices.printer.fonts import FontMissing, GlyphPainter, find_cjk_font

    try:
        cjk = find_cjk_font()
    except FontMissing as exc:
        raise CheckFailed(str(exc)) from None
    painter = GlyphPainter()
    line = painter.line(CHINESE_SAMPLE, gap=0)
    ink = line.histogram()[0]  # black dots: the ink of the sample
    # A missing glyph draws the font's one "tofu" box: every character would look alike.
    glyphs = {painter.glyph(ch, False).tobytes() for ch in CHINESE_SAMPLE if not ch.isspace()}
    if ink == 0 or len(glyphs) < len(set(CHINESE_SAMPLE.replace(" ", ""))):
        raise CheckFailed(f"{cjk.name} draws {CHINESE_SAMPLE!r} as blanks or boxes")
    try:
        ocrb = font_path()
    except FileNotFoundError as exc:
        raise CheckFailed(f"MRZ reader: {exc}") from None
    return (f"receipt raster Chinese {line.width}x{line.height} dots with {cjk.name} "
            f"({_origin(cjk)}); MRZ reader {ocrb.name} ({_origin(ocrb)})")


# ---- running them ----------------------------------------------------------------------


def _timeouts(config: KioskConfig) -> dict[str, float]:
    p, c, plat = config.printer.timeouts, config.card, config.platform
    return {
        "storage": 20.0,
        "card": c.command_timeout_s + max(3.0, c.poll_interval_s * 4) + 5.0,
        "camera": 15.0,
        "printer": p.connect_s + 4 * p.status_s + 3.0,
        "platform": plat.connect_timeout_s + plat.read_timeout_s + 3.0,
        "fonts": 20.0,
    }


THREADED: list[tuple[str, Check]] = [
    ("storage", check_storage), ("card", check_card), ("camera", check_camera),
    ("printer", check_printer), ("platform", check_platform), ("fonts", check_fonts),
]
