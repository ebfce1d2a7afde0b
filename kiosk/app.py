"""The composition root: config → every part of the kiosk, wired, started and stopped.

    kiosk = build_kiosk(load_config(path), ui_settings, post=poster.post)
    kiosk.start(); ...; kiosk.stop()

The outbox, platform client, sync worker (own thread), catalog store, card service,
printer, camera capture with its preview pipeline, and the visit's Flow with a
ThreadExecutor whose results `post` hands to the UI thread. `CameraFeed` turns what the
camera sees into the flow's intents (MRZ on identify, pages on capture, QR codes on the
progress lookup); those too go through `post`. No Qt here: the UI passes `post` in.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from devices.camera import (
    AutoCapture,
    CameraPort,
    CameraSettings,
    Capture,
    MrzVoter,
    PreviewPipeline,
    ScanState,
    read_codes,
)
from devices.card.port import CardEvent
from devices.card.service import CardService
from devices.printer import Printer
from devices.printer.port import PrinterStatus
from offline_queue.client import PlatformClient
from offline_queue.outbox import Outbox
from offline_queue.settings import ConfigError, Section, read_toml
from offline_queue.sync import Outcome, SyncEvent, SyncWorker

from . import __version__
from .catalog import CatalogStore
from .config import KioskConfig
from .flow import Flow, FlowSettings
from .flow_ports import CardReaderPort, ThreadExecutor
from .flow_state import FlowState, Screen
from .health import Counters, Health
from .receipt import Place
from .runtime import Runtime
from .text import Text

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


@dataclass(frozen=True)
class UiSettings:
    """The [ui] and [camera] tables of kiosk.toml (read here: kiosk.config predates them)."""

    orientation: str = "landscape"  # landscape 1920x1080 | portrait 1080x1920
    dpi: float = 102.0  # the panel's dots per inch: touch targets are sized in mm from it
    speech_engine: str = ""  # "speechd", "mock" or "" (Qt's default, if any)
    hall_name_zh: str = "政务服务中心"
    hall_name_en: str = "Government Service Center"
    camera_source: int | str | None = None  # device index, video file or image glob
    camera_fps: float = 15.0


def read_ui_settings(path: Path) -> UiSettings:
    doc = read_toml(path.resolve())
    d = UiSettings()
    ui = Section(doc, "ui", required=False)
    orientation = ui.string("orientation", d.orientation)
    if orientation not in ("landscape", "portrait"):
        raise ConfigError("ui.orientation", "must be landscape or portrait")
    cam = Section(doc, "camera", required=False)
    source: int | str | None = None
    if "source" in cam.table:
        raw = cam.table["source"]
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise ConfigError("camera.source", "a device index, a video file or an image glob")
        source = raw
        if isinstance(raw, str) and not raw.startswith("/"):
            source = str(path.resolve().parent / raw)
    return UiSettings(
        orientation=orientation,
        dpi=ui.number("dpi", d.dpi, minimum=50, maximum=600),
        speech_engine=ui.string("speech_engine", d.speech_engine),
        hall_name_zh=ui.string("hall_name_zh", d.hall_name_zh),
        hall_name_en=ui.string("hall_name_en", d.hall_name_en),
        camera_source=source,
        camera_fps=cam.number("fps", d.camera_fps, minimum=1, maximum=60),
    )


@dataclass(frozen=True)
class CameraRequest:
    """What the camera is wanted for ("mrz", "page", "code" or None) and which screen
    visit asks it: a new key re-arms the feed (one MRZ / page / code per key)."""

    want: str | None = None
    key: tuple[object, ...] = ()

    @classmethod
    def of(cls, flow: Flow) -> CameraRequest:
        """Read on the flow's thread. The key names the page awaited, not only whether one
        is: "done with this material" and "scan the next" can come within one frame."""
        s = flow.state
        v = s.view
        material = getattr(getattr(v, "material", None), "code", "")
        return cls(flow.camera_wanted(),
                   (s.visit, s.screen.value, bool(getattr(v, "awaiting_page", False)),
                    material, getattr(v, "pages", 0), getattr(v, "replacing", None)))


class CameraFeed:
    """What the camera sees, as the flow's intents, decided by the screen showing.

    Runs on its own thread (detection on the PreviewPipeline's); knows what is wanted
    only from the `CameraRequest` handed to `wanted()` on the flow's thread (build_kiosk
    subscribes it to the flow), and posts intents to the flow's thread. One MRZ and one QR code per
    visit of the screen: the citizen leaving the document there does not repeat it.
    """

    def __init__(self, camera: CameraPort, flow: Flow, post: Post, *, preview_width: int = 960,
                 code_backend: str = "zxing") -> None:
        self.camera = camera
        self.flow = flow
        self.post = post
        self.code_backend = code_backend
        self.pipeline = PreviewPipeline(camera, AutoCapture(), preview_width=preview_width,
                                        on_state=self._on_scan)
        self._voter = MrzVoter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._request = CameraRequest()
        self._screen_key: tuple[object, ...] | None = None
        self._sent = False
        self._hint: str | None = None
        self.pages_sent = 0
        self.mrz_sent = 0
        self.codes_sent = 0

    def start(self) -> None:
        self.camera.start()
        self.pipeline.start()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="camera-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.pipeline.stop(timeout_s)
        self.camera.stop(timeout_s)

    def preview(self) -> np.ndarray | None:
        """The newest frame with the detected outline, for the image provider."""
        out = self.pipeline.preview(timeout_s=0.2)
        return out[1] if out is not None else None

    def wanted(self, request: CameraRequest) -> None:
        """The flow's latest wish for the camera, handed over on the flow's thread; the
        feed's threads read only this value, never the flow (which is single-threaded)."""
        self._request = request
        self.pipeline.scanner.capturing = request.want == "page"

    def _entered(self) -> CameraRequest:
        request = self._request
        if request.key != self._screen_key:
            self._screen_key, self._sent, self._hint = request.key, False, None
            self._voter.reset()
        return request

    def _on_scan(self, scan: ScanState) -> None:
        # On the detection thread: pages and hints only while a page is awaited.
        request = self._entered()
        if request.want != "page":
            return
        if scan.page is not None and not self._sent:
            self._sent = True
            page = scan.page
            self.pages_sent += 1
            self.post(lambda: self.flow.page_captured(page.jpeg, kind=page.kind,
                                                      size=page.size, dpi=page.dpi))
            return
        if scan.reason != self._hint:
            self._hint = scan.reason
            reason = scan.reason
            self.post(lambda: self.flow.capture_hint(reason))

    def _loop(self) -> None:
        last = -1
        while not self._stop.is_set():
            frame = self.camera.latest(0.5, newer_than=last)
            if frame is None:
                continue
            last = frame.index
            request = self._entered()
            if self._sent or request.want is None:
                continue
            try:
                if request.want == "mrz":
                    reading = self._voter.feed(frame)
                    if reading is not None:
                        self._sent = True
                        self.mrz_sent += 1
                        self.post(lambda r=reading: self.flow.mrz_read(r))
                elif request.want == "code":
                    codes = [c for c in read_codes(frame, self.code_backend)  # type: ignore[arg-type]
                             if c.format == "QRCode"]
                    if codes:
                        self._sent = True
                        self.codes_sent += 1
                        self.post(lambda t=codes[0].text: self.flow.code_scanned(t))
            except Exception as exc:  # a bad frame must not end the feed
                log.warning("camera_feed_frame_failed error=%s", type(exc).__name__)


DISK_FULL_MB = 20  # below this a filing with its scans may not fit
DISK_LOW_MB = 200


def storage_status(folder: Path) -> tuple[str, str, str]:
    """(status, code, detail) of the disk that holds the outbox."""
    try:
        free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    except OSError as exc:
        return "error", "unreadable", type(exc).__name__
    if free_mb < DISK_FULL_MB:
        return "error", "disk_full", f"{free_mb} MB free"
    if free_mb < DISK_LOW_MB:
        return "degraded", "disk_low", f"{free_mb} MB free"
    return "ok", "ready", f"{free_mb} MB free"


@dataclass
class Kiosk:
    config: KioskConfig
    ui: UiSettings
    outbox: Outbox
    client: PlatformClient
    worker: SyncWorker
    store: CatalogStore
    card: CardReaderPort
    printer: Printer
    flow: Flow
    executor: ThreadExecutor
    post: Post
    runtime: Runtime | None = None
    feed: CameraFeed | None = None
    platform_check_s: float = 15.0  # how often the platform's reachability is probed
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start the background parts; their news reaches the flow through `post`."""
        flow, post = self.flow, self.post
        if isinstance(self.card, CardService):
            self.card.start(self._on_card_event)
        self.printer.add_listener(self._on_printer_status)
        self.printer.start_polling()
        sync = threading.Thread(target=self.worker.run_forever, args=(self._stop,),
                                name="sync", daemon=True)
        sync.start()
        self._threads.append(sync)
        catalog = threading.Thread(target=self._watch_platform, name="platform-watch",
                                   daemon=True)
        catalog.start()
        self._threads.append(catalog)
        if self.runtime is not None:
            self.runtime.restore()
            beat = threading.Thread(target=self.runtime.run_forever, args=(self._stop,),
                                    name="heartbeat", daemon=True)
            beat.start()
            self._threads.append(beat)
        if self.feed is not None:
            self.feed.start()
        else:
            post(lambda: flow.device_status("camera", "offline", "not_configured",
                                            "no camera source in the config"))
        watch = threading.Thread(target=self._watch_local, name="local-status", daemon=True)
        watch.start()
        self._threads.append(watch)

    def stop(self) -> None:
        self._stop.set()
        if self.runtime is not None:
            self.runtime.nudge()  # wakes its thread to see the stop
        if self.feed is not None:
            self.feed.stop()
        if isinstance(self.card, CardService):
            self.card.stop()
        self.printer.stop()
        self.executor.shutdown()
        for t in self._threads:
            t.join(3.0)
        self.client.close()
        self.outbox.close()

    def _watch_local(self, interval_s: float = 1.0, repeat_s: float = 30.0) -> None:
        # The camera reports its status when asked; the disk's free space is looked up.
        # Changes go to the flow at once; the disk's verdict is repeated now and then, so a
        # "disk full" from a failed commit clears once space is back.
        last: dict[str, tuple[str, str]] = {}
        said_at = 0.0
        while not self._stop.is_set():
            repeat = time.monotonic() - said_at >= repeat_s
            if repeat:
                said_at = time.monotonic()
            lines: list[tuple[str, str, str, str]] = []
            if self.feed is not None:
                st = self.feed.camera.status()
                lines.append(("camera", st.state.value, st.code, st.detail))
            lines.append(("storage", *storage_status(self.config.storage.data_dir)))
            for device, status, code, detail in lines:
                if last.get(device) != (status, code) or (device == "storage" and repeat):
                    last[device] = (status, code)
                    self.post(lambda d=device, s=status, c=code, t=detail:
                              self.flow.device_status(d, s, c, t))
            self._stop.wait(interval_s)

    def _watch_platform(self) -> None:
        # The catalog's conditional GET (a 304 when nothing changed) doubles as the probe
        # that tells the flow whether the platform is reachable: progress and tickets close
        # and receipts say "filed offline" while it is not.
        last: bool | None = None
        while not self._stop.is_set():
            try:
                result = self.store.refresh()  # keeps the cached catalog on any failure
                up = result.error != "platform_unreachable"
                name = result.error or ""
            except Exception as exc:  # a bug in the refresh must not end the watch
                up, name = False, type(exc).__name__
            if up != last:
                if not up:
                    log.warning("platform_unreachable error=%s", name)
                self.post(lambda up=up, name=name: self.flow.platform_status(up, name))
                last = up
            self._stop.wait(self.platform_check_s)

    def _on_card_event(self, event: CardEvent) -> None:
        flow = self.flow
        if event.kind == "card_inserted":
            self.post(flow.card_inserted)
        elif event.kind == "card_removed":
            self.post(flow.card_removed)
        elif event.kind in ("service_lost", "reader_removed", "service_restored",
                            "reader_added"):
            # The service's own verdict, not the event's: another reader coming or going
            # says nothing about ours. (Events come only from a CardService: start().)
            assert isinstance(self.card, CardService)
            st = self.card.status()
            self.post(lambda: flow.device_status("card_reader", st.state.value, st.code,
                                                 st.detail))

    def _on_printer_status(self, status: PrinterStatus, _old: PrinterStatus | None) -> None:
        self.post(lambda: self.flow.device_status("printer", status.state.value, status.code,
                                                  status.detail))

    def device_counters(self) -> dict[str, int]:
        """Counters kept outside the flow, for the heartbeat."""
        out: dict[str, int] = {}
        if self.feed is not None:
            out.update(camera_pages=self.feed.pages_sent, camera_mrz=self.feed.mrz_sent,
                       camera_codes=self.feed.codes_sent)
        return out

    def on_sync_event(self, event: SyncEvent) -> None:
        if event.outcome is Outcome.ACKNOWLEDGED:
            self.post(lambda: self.flow.platform_status(True))


def build_kiosk(config: KioskConfig, ui: UiSettings, *, post: Post,
                card: CardReaderPort | None = None, camera: CameraPort | None = None) -> Kiosk:
    """Every part from config; `card` / `camera` replace the configured ones (demo, tests)."""
    outbox = Outbox(config.storage, config.kiosk)
    client = PlatformClient(config.platform, config.kiosk.id)
    store = CatalogStore(config.storage.data_dir / "catalog.json", client)
    printer = Printer.from_url(config.printer.url, config.printer.profile,
                               timeouts=config.printer.timeouts,
                               poll_interval_s=config.printer.poll_interval_s)
    executor = ThreadExecutor(workers=2, post=post)
    place = Place(Text(ui.hall_name_zh, ui.hall_name_en), config.kiosk.hall,
                  config.kiosk.id)
    card = card or CardService(config.card)
    health, counters = Health(), Counters()
    flow = Flow(FlowSettings(place, config.receipt), catalog=store, outbox=outbox,
                printer=printer, card=card, platform=client, executor=executor,
                health=health, counters=counters)
    if camera is None and ui.camera_source is not None:
        camera = Capture(CameraSettings(source=ui.camera_source, fps=ui.camera_fps))
    kiosk = Kiosk(config, ui, outbox, client, SyncWorker(outbox, client, config.sync), store,
                  card, printer, flow, executor, post)
    kiosk.worker = SyncWorker(outbox, client, config.sync, on_event=kiosk.on_sync_event)
    kiosk.platform_check_s = config.runtime.platform_check_s
    runtime = Runtime(version=__version__, client=client, queue=outbox, catalog=store,
                      health=health, counters=counters, flow=flow, post=post,
                      state_path=config.storage.data_dir / "runtime-commands.json",
                      heartbeat_s=config.runtime.heartbeat_s,
                      extra_counters=kiosk.device_counters)
    kiosk.runtime = runtime
    # Out of service or back: the monitoring centre hears of it now, not in a minute.
    last_screen: list[Screen] = [flow.state.screen]

    def on_state(state: FlowState) -> None:
        screen = state.screen
        if (screen == Screen.OUT_OF_SERVICE) != (last_screen[0] == Screen.OUT_OF_SERVICE):
            runtime.nudge()
        last_screen[0] = screen
    flow.subscribe(on_state)
    if camera is not None:
        feed = CameraFeed(camera, flow, post)
        flow.subscribe(lambda _state: feed.wanted(CameraRequest.of(flow)))
        kiosk.feed = feed
    return kiosk
