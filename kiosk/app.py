"""The composition root: config → every part of the kiosk, wired, started and stopped.

    kiosk = build_kiosk(load_config(path), ui_settings, post=poster.post)
    kiosk.start(); ...; kiosk.stop()

The one place that picks adapters from config and connects them: the outbox, the platform
client, the sync worker, the catalog store, the card service, the printer, the camera feed
(camera_feed.py), the face match (devices.face: its camera and model process, only with
a [face_camera]), the watches and the heartbeat (runtime/), and the visit's Flow with a
ThreadExecutor whose results `post` hands to the UI thread. Device events become the
flow's intents here, through `post` too. No Qt here: the UI passes `post` in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from devices.camera import CameraPort, CameraSettings, Capture
from devices.card.port import CardEvent
from devices.card.service import CardService
from devices.face import FaceService
from devices.idcard.port import IdCardEvent
from devices.idcard.service import IdCardService
from devices.printer import Printer
from devices.printer.port import PrinterStatus
from devices.status import DeviceStatus
from offline_queue.client import PlatformClient
from offline_queue.outbox import Outbox
from offline_queue.sync import Outcome, SyncEvent, SyncWorker

from . import __version__
from .camera_feed import CameraFeed
from .catalog import CatalogStore
from .config import KioskConfig, UiSettings
from .flow import Flow, FlowSettings
from .flow.ports import CardReaderPort, ThreadExecutor
from .flow.state import FlowState, Screen
from .receipt import Place
from .runtime.assistance import Assistance
from .runtime.health import Counters, Health
from .runtime.heartbeat import Runtime
from .runtime.probe import DeviceProbe
from .runtime.threads import Background, RunsForever, ServicePart
from .runtime.watch import LocalWatch, PlatformWatch
from .staff_credentials import StaffCredentials
from .text import Text

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


@dataclass
class Kiosk:
    config: KioskConfig
    ui: UiSettings
    outbox: Outbox
    client: PlatformClient
    store: CatalogStore
    card: CardReaderPort
    printer: Printer
    flow: Flow
    executor: ThreadExecutor
    post: Post
    runtime: Runtime
    feed: CameraFeed | None = None
    idcard: IdCardService | None = None
    face: FaceService | None = None  # None: no [face_camera] (face match not_done)
    background: list[Background] = field(default_factory=list)  # started in this order
    face_wanted: bool = False  # the flow's face check runs: its preview may be shown

    def start(self) -> None:
        """Start the devices and every background part; their news reaches the flow
        through `post`."""
        if isinstance(self.card, CardService):
            self.card.start(self._on_card_event)
        self.printer.add_listener(self._on_printer_status)
        self.printer.start_polling()
        if self.idcard is not None:
            self.idcard.start(self._on_idcard_event)
        self.runtime.restore()
        flow = self.flow
        if self.feed is None:
            self.post(lambda: flow.device_status("camera", "offline", "not_configured",
                                                 "no camera source in the config"))
        if self.idcard is None:
            self.post(lambda: flow.device_status("idcard_reader", "offline", "not_configured",
                                                 "no [idcard] in the config"))
        if self.face is None:
            self.post(lambda: flow.device_status("face_camera", "offline", "not_configured",
                                                 "no [face_camera] in the config"))
        for part in self.background:
            part.start()

    def stop(self) -> None:
        for part in reversed(self.background):
            part.stop()
        if isinstance(self.card, CardService):
            self.card.stop()
        if self.idcard is not None:
            self.idcard.stop()
        self.printer.stop()
        self.executor.shutdown()
        self.client.close()
        self.outbox.close()

    def face_preview(self) -> np.ndarray | None:
        """The face camera's newest frame, only while the face check runs (any thread)."""
        if self.face is None or not self.face_wanted:
            return None
        frame = self.face.latest_frame(0.05)
        return frame.image if frame is not None else None

    def part(self, name: str) -> Background:
        """A background part by its thread's name ("sync", "platform-watch", ...)."""
        return next(p for p in self.background if p.name == name)

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

    def _on_idcard_event(self, event: IdCardEvent) -> None:
        # On the reader's monitor thread: the card's data goes to the flow's thread as is.
        flow = self.flow
        if event.kind in ("reader_lost", "reader_restored") and self.idcard is not None:
            st = self.idcard.status()
            self.post(lambda: flow.device_status("idcard_reader", st.state.value, st.code,
                                                 st.detail))
            return
        self.post(partial(flow.idcard_event, event.kind, event.identity, event.code))

    def _on_printer_status(self, status: PrinterStatus, _old: PrinterStatus | None) -> None:
        self.post(lambda: self.flow.device_status("printer", status.state.value, status.code,
                                                  status.detail))

    def device_counters(self) -> dict[str, int]:
        """Counters kept outside the flow, for the heartbeat."""
        out: dict[str, int] = self.flow.visit.assistance.counters()
        if self.feed is not None:
            out.update(camera_pages=self.feed.pages_sent, camera_mrz=self.feed.mrz_sent,
                       camera_codes=self.feed.codes_sent)
        return out

    def on_sync_event(self, event: SyncEvent) -> None:
        if event.outcome is Outcome.ACKNOWLEDGED:
            self.post(lambda: self.flow.platform_status(True))


def build_kiosk(config: KioskConfig, ui: UiSettings, *, post: Post,
                card: CardReaderPort | None = None, camera: CameraPort | None = None,
                idcard: IdCardService | None = None, face: FaceService | None = None) -> Kiosk:
    """Every part from config; `card` / `camera` / `idcard` / `face` replace the configured
    ones (demo, tests)."""
    outbox = Outbox(config.storage, config.kiosk)
    client = PlatformClient(config.platform, config.kiosk.id)
    store = CatalogStore(config.storage.data_dir / "catalog.json", client)
    printer = Printer.from_url(config.printer.url, config.printer.profile,
                               timeouts=config.printer.timeouts,
                               poll_interval_s=config.printer.poll_interval_s)
    executor = ThreadExecutor(workers=2, post=post)
    place = Place(Text(ui.hall_name_zh, ui.hall_name_en), config.kiosk.hall,
                  config.kiosk.id)
    card_port: CardReaderPort = card or CardService(config.card)
    health, counters, assistance = Health(), Counters(), Assistance()
    # Beside the outbox: maintainers who may sign in while the platform is unreachable.
    credentials = StaffCredentials(config.storage.data_dir / "staff-offline.json",
                                   config.staff)
    # Maintenance asks every device when it opens (filled in below, once they exist).
    probe = DeviceProbe(config.storage.data_dir, store)
    if face is None and config.face.camera is not None:
        face = FaceService(config.face)  # the model process starts with the kiosk (~1 s)
    flow_settings = FlowSettings(place, config.receipt, face_attempts=config.face.attempts,
                                 face_decline=config.face.allow_decline)
    flow = Flow(flow_settings, catalog=store, outbox=outbox, printer=printer, card=card_port,
                platform=client, executor=executor, health=health, counters=counters,
                assistance=assistance, face=face, staff_credentials=credentials,
                device_probe=probe)
    if camera is None and ui.camera_source is not None:
        camera = Capture(CameraSettings(source=ui.camera_source, fps=ui.camera_fps))
    feed = CameraFeed(camera, flow, post) if camera is not None else None
    runtime = Runtime(version=__version__, client=client, queue=outbox, catalog=store,
                      health=health, counters=counters, flow=flow, post=post,
                      state_path=config.storage.data_dir / "runtime-commands.json",
                      heartbeat_s=config.runtime.heartbeat_s)
    if idcard is None and config.idcard is not None:
        idcard = IdCardService(config.idcard)
    kiosk = Kiosk(config, ui, outbox, client, store, card_port, printer, flow, executor, post,
                  runtime, feed, idcard, face)
    polled: dict[str, Callable[[], DeviceStatus]] = {}
    if feed is not None:
        polled["camera"] = feed.camera.status
    if idcard is not None:
        polled["idcard_reader"] = idcard.status
    if face is not None:
        polled["face_camera"] = face.status  # the camera's and the model's one status
    if isinstance(card_port, CardService):
        probe.devices["card_reader"] = card_port.status
    probe.devices.update(polled, printer=printer.status)
    runtime.extra_counters = kiosk.device_counters
    assistance.on_change = runtime.wake  # a staff call reaches the hall now, not in 60 s
    worker = SyncWorker(outbox, client, config.sync, on_event=kiosk.on_sync_event)
    kiosk.background = [
        RunsForever("sync", worker.run_forever),
        PlatformWatch(flow, post, store, interval_s=config.runtime.platform_check_s),
        runtime,
        *([feed] if feed is not None else []),
        *([ServicePart("face", face.start, face.stop)] if face is not None else []),
        LocalWatch(flow, post, config.storage.data_dir, devices=polled),
    ]
    # Out of service or back: the monitoring centre hears of it now, not in a minute.
    last_screen: list[Screen] = [flow.state.screen]

    def on_state(state: FlowState) -> None:
        screen = state.screen
        if (screen == Screen.OUT_OF_SERVICE) != (last_screen[0] == Screen.OUT_OF_SERVICE):
            runtime.wake()
        last_screen[0] = screen
        if feed is not None:
            feed.wanted(state.camera)
        kiosk.face_wanted = state.camera.want == "face"
    flow.subscribe(on_state)
    return kiosk
