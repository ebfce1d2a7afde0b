"""The model process: a hung call is killed within its timeout, a dead process restarts."""

from __future__ import annotations

import os
import signal

import pytest

from devices.face import FaceError, FaceWorker
from devices.face.worker import _serve  # noqa: F401 - the target must import cleanly
from sim.face import scenes


@pytest.fixture(scope="module")
def worker():
    w = FaceWorker(start_timeout_s=30)
    w.start()
    yield w
    w.stop()


def _photo():
    return bytearray(scenes.document_photo("astronaut", (240, 320)))


def test_a_killed_worker_is_restarted_by_the_next_call(worker):
    first = worker.pid
    os.kill(first, signal.SIGKILL)
    reply = worker.analyze(_photo(), op="photo", embed=True, timeout_s=10)
    assert len(reply.faces) == 1 and reply.vector() is not None
    assert worker.pid != first and worker.starts == 2


def test_a_call_past_its_timeout_kills_the_worker(worker):
    os.kill(worker.pid, signal.SIGSTOP)  # hung: it will never answer
    stopped = worker.pid
    with pytest.raises(FaceError) as err:
        worker.analyze(_photo(), op="photo", embed=True, timeout_s=0.3)
    assert err.value.code == "worker_timeout"
    assert not worker.alive() and worker.last_error == "worker_timeout"
    with pytest.raises(ProcessLookupError):
        os.kill(stopped, 0)  # gone, not left hanging
    assert len(worker.analyze(_photo(), op="photo", timeout_s=10).faces) == 1


def test_a_bad_frame_is_an_error_not_a_dead_worker(worker):
    pid = worker.pid
    with pytest.raises(FaceError) as err:
        worker.analyze(bytearray(b"\x00" * 10), op="photo", timeout_s=5)
    assert err.value.code == "bad_image" and worker.pid == pid


def test_a_template_is_zeroed_in_place_by_wipe(worker):
    reply = worker.analyze(_photo(), op="photo", embed=True, timeout_s=10)
    view = reply.vector()
    assert view is not None and view.any()
    reply.wipe()
    assert not view.any()  # the same memory, not a copy


def test_a_frame_of_the_wrong_size_is_an_error_not_a_dead_worker(worker):
    pid = worker.pid
    with pytest.raises(FaceError) as err:
        worker.analyze(bytearray(100), op="frame", shape=(480, 640), timeout_s=5)
    assert err.value.code == "model_error" and worker.pid == pid
