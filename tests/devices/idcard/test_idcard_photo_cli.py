"""The WLT decoder through ctypes (a stand-in C library compiled here, one per signature
variant), settings validation, and the technician CLI against the emulator."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from devices.idcard.errors import IdCardConfigError, PhotoDecoderError
from devices.idcard.photo import BMP_LEN, PhotoDecoder, PhotoDecoderSettings
from devices.idcard.settings import IdCardSettings

C_SOURCE = r"""
#include <string.h>
/* stand-ins with the vendors' signatures: a fake image derived from the WLT bytes */
static void fill(const unsigned char *src, unsigned char *dst, int n) {
    for (int i = 0; i < n; i++) dst[i] = src[i % 1024] ^ 0x55;
}
int unpack(char *src, char *dst, int flag) {           /* headerless BGR rows */
    if (flag != 602) return 0;
    fill((unsigned char *)src, (unsigned char *)dst, 102 * 126 * 3); return 1;
}
int wlt2bmpBuffer(char *src, char *dst, int cb) {      /* a BMP with its header */
    unsigned int size = 38862; memset(dst, 0, 54); dst[0] = 'B'; dst[1] = 'M';
    memcpy(dst + 2, &size, 4); fill((unsigned char *)src, (unsigned char *)dst + 54, 38808);
    return 0;
}
int DecodingPhotos(char *src, int n, char *dst, int m) { return wlt2bmpBuffer(src, dst, m); }
int broken(char *src, char *dst, int flag) { return -1; }
"""

needs_cc = pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")


@pytest.fixture(scope="module")
def vendor_lib(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wlt")
    (folder / "wlt.c").write_text(C_SOURCE)
    lib = folder / "libwltstub.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(folder / "wlt.c")],
                   check=True)
    return str(lib)


@needs_cc
@pytest.mark.parametrize(("variant", "symbol", "flag"), [
    ("unpack", "", 602), ("wlt2bmpBuffer", "", 0), ("DecodingPhotos", "", 0)])
def test_each_signature_variant_yields_a_bmp(vendor_lib, variant, symbol, flag):
    decoder = PhotoDecoder(PhotoDecoderSettings(vendor_lib, symbol, variant, flag))
    bmp = decoder.decode(bytes(range(256)) * 4)
    assert bmp[:2] == b"BM" and len(bmp) == BMP_LEN
    assert int.from_bytes(bmp[18:22], "little") == 102 or variant != "unpack"


@needs_cc
def test_a_failing_decoder_and_a_missing_library_are_typed(vendor_lib, tmp_path):
    broken = PhotoDecoder(PhotoDecoderSettings(vendor_lib, "broken", "unpack"))
    with pytest.raises(PhotoDecoderError):
        broken.decode(bytes(1024))
    missing = PhotoDecoder(PhotoDecoderSettings(str(tmp_path / "nope.so")))
    assert not missing.load() and "nope.so" in missing.load_error


def test_without_a_decoder_the_identity_has_no_photo_and_status_stays_ok(emu, cards,
                                                                        make_service):
    emu.place(cards["resident"])
    service = make_service()
    assert service.read_identity().photo_bmp is None


def test_a_configured_decoder_that_will_not_load_is_degraded(emu, make_service, events,
                                                            tmp_path):
    from idcard_rig import wait_until

    service = make_service(photo_decoder=PhotoDecoderSettings(str(tmp_path / "x.so")))
    service.start(events)
    wait_until(lambda: service.status().code != "not_started")
    status = service.status()
    assert (status.state, status.code) == ("degraded", "photo_decoder_unavailable")


def test_settings_from_the_table():
    s = IdCardSettings.from_table({
        "port": "tcp://127.0.0.1:7001", "baud": 9600, "usb": "0400:C35A", "split": False,
        "usb_out": 0x01, "usb_in": 0x82, "profile": {"find": "21 01"}, "fingerprint": True,
        "retries": 3, "timeouts": {"answer_s": 0.3}, "poll_interval_s": 0.1,
        "photo_decoder": {"library": "/opt/v/libwlt.so", "variant": "unpack", "flag": 602}})
    assert (s.baud, s.usb, s.usb_out, s.usb_in, s.usb_split) == (9600, (0x400, 0xC35A),
                                                                 (1,), (0x82,), False)
    assert s.profile.find == (0x21, 0x01) and s.profile.select == (0x20, 0x02)
    assert s.timeouts.answer_s == 0.3 and s.photo_decoder.flag == 602
    assert IdCardSettings.from_table(None) == IdCardSettings()


@pytest.mark.parametrize(("table", "key"), [
    ({"baud": 12345}, "baud"), ({"usb": "0400"}, "usb"), ({"profile": {"fnd": "20 01"}},
                                                          "profile.fnd"),
    ({"profile": {"find": "2001x"}}, "profile.find"), ({"retries": True}, "retries"),
    ({"split": True, "usb_out": [2]}, "usb_out"), ({"colour": 1}, "colour"),
    ({"photo_decoder": {"variant": "unpack"}}, "photo_decoder.library"),
    ({"timeouts": {"answer_s": 99}}, "timeouts.answer_s")])
def test_bad_settings_name_their_key(table, key):
    with pytest.raises(IdCardConfigError) as info:
        IdCardSettings.from_table(table)
    assert info.value.key == key and str(info.value).startswith(f"idcard.{key}")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devices.idcard", *args],
                          capture_output=True, text=True, timeout=30)


def test_cli_read_json_for_each_card_type(emu, cards):
    for name in ("resident", "foreign_2017", "hmt_residence"):
        card = cards[name]
        emu.place(card)
        run = cli("read", "--port", str(emu.pty_path), "--json")
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        assert out["id_number"] == card.id_number
        assert out["photo_wlt_sha256"] == hashlib.sha256(card.photo).hexdigest()
        assert out["expired"] is False and out["sex"] in {"男", "女"}
        if name == "foreign_2017":
            assert out["name_en"] == card.english_name
            assert out["nationality"] == card.nationality
        elif name == "resident":
            assert out["nation"] == "汉" and out["address"] == card.address
        else:  # the residence permit's nation field is blank on the emulator's card
            assert "nation" in out
        if name == "hmt_residence":
            assert out["pass_number"] == card.pass_number
        emu.remove()


def test_cli_tcp_port_and_status(tmp_path):
    from sim.idcard import ReaderEmulator

    emu = ReaderEmulator(sam_id="05.01-20231115-0000123456-1234567890")
    port = emu.start_tcp(port=0)
    try:
        run = cli("status", "--port", f"tcp://127.0.0.1:{port}", "--json")
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["sam_id"] == "05.01-20231115-0000123456-1234567890"
    finally:
        emu.stop()


@pytest.mark.parametrize(("fault", "code", "exit_code"), [
    (None, "no_card", 3), ("sam_fault", "sam_self_test_failed", 6),
    ("sw3:0x41", "read_failed", 1)])
def test_cli_failures_are_one_line_without_a_traceback(emu, cards, fault, code, exit_code):
    if fault:
        emu.place(cards["resident"])
        emu.fault(fault)
    run = cli("read", "--port", str(emu.pty_path), "--json")
    assert run.returncode == exit_code and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and code in lines[0] and "Traceback" not in run.stderr


def test_cli_missing_reader(tmp_path):
    run = cli("status", "--port", str(tmp_path / "ttyNone"))
    assert run.returncode == 4 and len(run.stderr.strip().splitlines()) == 1


def test_the_documented_example_section_is_valid():
    import tomllib
    from pathlib import Path

    doc = tomllib.loads((Path(__file__).parents[3] / "docs" / "kiosk.example.toml").read_text())
    assert IdCardSettings.from_table(doc["idcard"]) == IdCardSettings()
