"""Capture from real files written by sim.camera: image sequences and an MJPG video."""

from __future__ import annotations

import shutil
import time

import numpy as np
import pytest

from devices.camera import CameraSettings, Capture, DeviceState
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
