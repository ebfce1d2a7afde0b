"""Nothing biometric leaves memory: no image, template or name in the logs; templates
zeroed when the session closes; frames zeroed after each call."""

from __future__ import annotations

import logging

import numpy as np

from devices.face import session as session_module


def _check_records(records):
    assert records, "the face match logs its outcome"
    for r in records:
        for arg in r.args or ():
            assert not isinstance(arg, (bytes, bytearray, memoryview, np.ndarray, list))
        text = r.getMessage()
        assert len(text) < 200
        for word in ("astronaut", "hopper", ".jpg", ".png"):
            assert word not in text


def test_a_session_logs_its_outcome_and_nothing_biometric_and_close_zeroes_it(
        service, caplog, astronaut_turn, doc_astronaut):
    caplog.set_level(logging.DEBUG)
    session = service.begin(doc_astronaut, direction="left", need_camera=False)
    for frame in astronaut_turn:
        session.feed(frame)
    m = session.result()
    assert m.result == "match"
    service.compare_images(doc_astronaut, doc_astronaut)
    face_records = [r for r in caplog.records if r.name.startswith("devices.face")]
    _check_records(face_records)
    outcome = [r.getMessage() for r in face_records if "face_session" in r.getMessage()]
    assert outcome and f"result={m.result}" in outcome[-1]
    held = [r.vector() for r in (session._template, session._look, session._back)]
    assert all(v is not None and v.any() for v in held)
    session.close()
    assert not any(v.any() for v in held)  # zeroed in place
    assert session.result().result == "not_done"  # nothing left to compare


def test_each_frame_buffer_is_zeroed_after_the_call(service, monkeypatch, doc_astronaut,
                                                     astronaut_turn):
    seen: list[bytearray] = []
    real = service.worker.analyze

    def spy(payload, **kw):
        seen.append(payload)
        return real(payload, **kw)

    monkeypatch.setattr(service.worker, "analyze", spy)
    with service.begin(doc_astronaut, need_camera=False) as session:
        session.feed(astronaut_turn[0])
    assert len(seen) == 2 and all(len(b) > 1000 and not any(b) for b in seen)
    assert session_module  # the module under test
