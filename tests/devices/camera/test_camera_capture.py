"""Capture from real files written by sim.camera: image sequences and an MJPG video."""

from __future__ import annotations

import shutil
import threading
import time

import numpy as np
import pytest

from devices.camera import CameraSettings, Capture, DeviceState
from devices.camera import capture as capture_module
from sim.camera import hold_sequence, write_images, write_video


@pytest.fixture(scope="module")
def sequence():
    return hold_sequence(11, "id1", still=4, moving=2, empty=2, frame_size=(640, 360))


def _wait(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_image_sequence_hands_out_the_newest_frame(tmp_path, sequence):
    folder = write_images(sequence, tmp_path / "seq")
    cam = Capture(CameraSettings(source=str(folder / "*.png"), fps=60))
    with cam:
        first = cam.latest(3.0)
        assert first is not None and first.image.shape == (360, 640, 3)
        assert cam.status().state is DeviceState.OK
        time.sleep(0.2)
        newer = cam.latest(1.0, newer_than=first.index)
        assert newer is not None and newer.index > first.index + 3  # frames were skipped
        # It loops like a camera that never stops.
        assert _wait(lambda: cam.latest(1.0).index > len(sequence) + 2)


def test_video_file(tmp_path, sequence):
    path = write_video(sequence, tmp_path / "feed.avi", fps=30)
    with Capture(CameraSettings(source=str(path), fps=200)) as cam:
        f = cam.latest(3.0)
        assert f is not None
        # MJPG is lossy: the frame is close to the one written, not identical.
        diffs = [np.abs(f.image.astype(int) - s.image.astype(int)).mean() for s in sequence]
        assert min(diffs) < 4.0
        assert _wait(lambda: cam.latest(1.0).index > 2 * len(sequence))  # looped


def test_latest_is_bounded_when_nothing_comes(tmp_path):
    cam = Capture(CameraSettings(source=str(tmp_path / "none" / "*.png"),
                                 reopen_backoff_s=(0.05, 0.2)))
    with cam:
        start = time.monotonic()
        assert cam.latest(0.3) is None
        assert time.monotonic() - start < 1.0
        assert _wait(lambda: cam.status().code == "source_missing")
        assert cam.status().state is DeviceState.OFFLINE


def test_a_vanished_source_is_reopened_with_backoff(tmp_path, sequence):
    folder = write_images(sequence, tmp_path / "seq")
    settings = CameraSettings(source=str(folder / "*.png"), fps=100, loop=False,
                              reopen_backoff_s=(0.05, 0.3))
    with Capture(settings) as cam:
        assert cam.latest(3.0) is not None
        # The end of a non-looping sequence is a camera gone away.
        assert _wait(lambda: cam.status().state is DeviceState.OFFLINE)
        # ...and it reopens: the same files are read again.
        assert _wait(lambda: cam.reopen_count >= 2)
        shutil.rmtree(folder)
        assert _wait(lambda: cam.status().code == "source_missing")
        last = cam.latest(0.1)
        write_images(sequence, folder)
        assert _wait(lambda: cam.status().state is DeviceState.OK, timeout=5)
        assert cam.latest(2.0, newer_than=last.index if last else -1) is not None
    assert cam.status().code == "stopped"


def _watch_states(cam, stop):
    """Every (state, code) seen by polling status from another thread, in order of change."""
    seen: list[tuple[str, str]] = []

    def poll():
        while not stop.is_set():
            s = cam.status()
            if not seen or seen[-1] != (s.state.value, s.code):
                seen.append((s.state.value, s.code))
            time.sleep(0.0005)

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    return seen, t


@pytest.mark.parametrize("form", ["glob", "printf"])
def test_a_looping_image_sequence_stays_ok_across_wrap_arounds(tmp_path, sequence, form):
    folder = write_images(sequence, tmp_path / "seq", ext="jpg")
    source = str(folder / ("*.jpg" if form == "glob" else "frame_%05d.jpg"))
    cam = Capture(CameraSettings(source=source, fps=120))
    with cam:
        assert cam.latest(3.0) is not None
        assert cam.status().state is DeviceState.OK
        stop = threading.Event()
        seen, poller = _watch_states(cam, stop)
        # Four wrap-arounds of the 8-frame sequence.
        assert _wait(lambda: cam.latest(1.0).index > 5 * len(sequence), timeout=10)
        stop.set()
        poller.join(1.0)
    assert seen == [("ok", "streaming")]


def test_a_missing_source_goes_offline_with_growing_backoff(tmp_path):
    cam = Capture(CameraSettings(source=str(tmp_path / "gone.avi"),
                                 reopen_backoff_s=(0.1, 0.4)))
    stop = threading.Event()
    seen, poller = _watch_states(cam, stop)
    pauses: list[float] = []
    with cam:
        end = time.monotonic() + 1.3
        last = ""
        while time.monotonic() < end:
            d = cam.status().detail
            if "retry in" in d and d != last:
                pauses.append(float(d.rsplit("retry in ", 1)[1].rstrip("s")))
            last = d
            time.sleep(0.001)
        stop.set()
        poller.join(1.0)
    assert {state for state, _ in seen} == {"offline"}
    assert ("offline", "source_missing") in seen
    # Doubling from the first pause, held at the longest: 0.1, 0.2, 0.4, 0.4...
    assert pauses[:3] == [0.1, 0.2, 0.4]
    assert all(p == 0.4 for p in pauses[3:])


class _FlakyDevice:
    """Stands in for a webcam (none here): frame 5 of the first session is lost; the
    reopen takes a moment, as a real driver's does."""

    opens = 0

    def __init__(self, index, *args):
        type(self).opens += 1
        self.session = type(self).opens
        self.n = 0
        if self.session > 1:
            time.sleep(0.15)

    def isOpened(self):  # noqa: N802
        return True

    def set(self, *args):
        return True

    def get(self, prop):
        return 0.0

    def getBackendName(self):  # noqa: N802
        return "V4L2"

    def read(self):
        self.n += 1
        time.sleep(0.005)
        if self.session == 1 and self.n == 5:
            return False, None
        return True, np.full((48, 64, 3), self.n % 255, np.uint8)

    def release(self):
        pass


def test_a_device_that_loses_one_frame_is_degraded_while_it_reopens(monkeypatch):
    monkeypatch.setattr(capture_module.cv2, "VideoCapture", _FlakyDevice)
    _FlakyDevice.opens = 0
    cam = Capture(CameraSettings(source=0))
    stop = threading.Event()
    seen, poller = _watch_states(cam, stop)
    with cam:
        assert _wait(lambda: _FlakyDevice.opens >= 2 and cam.latest(0.5).index > 10)
        stop.set()
        poller.join(1.0)
    after_first_ok = seen[seen.index(("ok", "streaming")):]
    assert after_first_ok == [("ok", "streaming"), ("degraded", "reopening"),
                              ("ok", "streaming")]
    assert cam.reopen_count == 2
