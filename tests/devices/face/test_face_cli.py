"""python -m devices.face compare: one JSON object, one line and an exit code on errors."""

from __future__ import annotations

import json
import subprocess
import sys

from devices.face import __main__ as cli
from sim.face import scenes
from sim.face.people import IMAGES


def test_compare_json_match(tmp_path):
    doc = tmp_path / "doc.jpg"
    doc.write_bytes(scenes.document_photo("astronaut", (102, 126), quality=40))
    out = subprocess.run([sys.executable, "-m", "devices.face", "compare",
                          str(IMAGES / "astronaut.jpg"), str(doc), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"result", "score", "threshold", "model"}
    assert data["result"] == "match" and data["score"] >= data["threshold"]


def test_an_unreadable_file_is_one_line_and_exit_2(tmp_path, capsys):
    assert cli.main(["compare", str(tmp_path / "missing.jpg"), str(IMAGES / "hopper.jpg"),
                     "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.jpg" in err and "Traceback" not in err


class _Shared:
    """The session's service, with a stop() that leaves its worker running."""

    def __init__(self, service):
        self._service = service

    def __call__(self, settings):
        self._service.settings = settings
        return self

    def compare_images(self, a, b):
        return self._service.compare_images(a, b)

    def stop(self):
        pass


def test_no_face_several_faces_no_match_and_garbage(service, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "FaceService", _Shared(service))
    import cv2
    empty, two, garbage = tmp_path / "empty.png", tmp_path / "two.png", tmp_path / "x.jpg"
    cv2.imwrite(str(empty), scenes.empty_frame())
    cv2.imwrite(str(two), scenes.two_faces())
    garbage.write_bytes(b"\xff\xd8 not really a jpeg")
    astro, hopper = str(IMAGES / "astronaut.jpg"), str(IMAGES / "hopper.jpg")
    for args, code, result in (([astro, str(empty)], 3, "no_face"),
                               ([astro, str(two)], 3, "several_faces"),
                               ([astro, hopper], 1, "no_match")):
        assert cli.main(["compare", *args, "--json"]) == code
        assert json.loads(capsys.readouterr().out)["result"] == result
    assert cli.main(["compare", astro, str(garbage)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert "not a readable" in captured.err
