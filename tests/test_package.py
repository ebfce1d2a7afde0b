"""`kiosk --self-test`, from source and from the one-folder build (kiosk.spec).

Against real parts started here: the platform simulator and the virtual ESC/POS printer
(in-process, loopback), camera frames written by sim/camera, and the card reader of the
session's `card_rig` (our pcscd + vpcd + the chip emulator). The build goes to a temp
folder (about 30 s here), unless dist/kiosk is newer than every source file; a build
over 5 minutes is skipped unless KIOSK_PACKAGE_TEST=1, which also makes a missing
PyInstaller an error instead of a skip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from kiosk import selftest
from kiosk.config import load_config
from launcher.selftest import main as self_test_main
from sim.camera import hold_sequence, write_images
from sim.printer import VirtualPrinter
from tests.conftest import ROOT, write_config

CHECKS = ["config", "storage", "card", "camera", "printer", "platform", "fonts", "screens"]
BUILD_LIMIT_S = 300.0
FORCE = os.environ.get("KIOSK_PACKAGE_TEST") == "1"


def kiosk_config(folder: Path, platform_url: str, printer_url: str, camera: str | None,
                 reader: str, csca: Path) -> Path:
    path = write_config(folder, platform_url)
    extra = f'\n[printer]\nurl = "{printer_url}"\nprofile = "cn-80"\nstatus_timeout_s = 0.5\n'
    extra += f'\n[card]\nreader = "{reader}"\ncsca_dir = "{csca}"\n'
    if camera:
        extra += f'\n[camera]\nsource = "{camera}"\nfps = 15\n'
    path.write_text(path.read_text() + extra)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory, card_rig):
    """Platform simulator, a running printer, a stopped one, camera frames, the reader."""
    from sim.platform import PlatformSim

    work = tmp_path_factory.mktemp("selftest")
    frames = work / "camera"
    write_images(hold_sequence(5, "a4", still=3, moving=0, empty=1), frames, ext="jpg")
    gone = VirtualPrinter().start()
    gone_url = gone.url
    gone.stop()  # a printer that was there and is now switched off
    with PlatformSim(token="dev-token", seed=3, step_seconds=0.2) as platform:
        printer = VirtualPrinter().start()
        try:
            reader, csca = card_rig.slots[0].reader, card_rig.csca_dir
            source = str(frames / "frame_*.jpg")
            ok = kiosk_config(work / "ok", platform.base_url, printer.url, source, reader, csca)
            off = kiosk_config(work / "off", platform.base_url, gone_url, source, reader, csca)
            yield {"ok": ok, "printer_off": off, "work": work}
        finally:
            printer.stop()


def run(cmd: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("FONTCONFIG_FILE",)}
    full.update(QT_QPA_PLATFORM="offscreen", **env)
    return subprocess.run(cmd, cwd=ROOT, env=full, capture_output=True, text=True, timeout=180)


def outcomes(stdout: str) -> dict[str, str]:
    lines = [ln for ln in stdout.splitlines() if ln.split(" ", 1)[0] in ("PASS", "FAIL", "SKIP")]
    return {ln.split(" ", 2)[1].rstrip(":"): ln for ln in lines}


def assert_all_pass(proc: subprocess.CompletedProcess[str], config: Path) -> dict[str, str]:
    got = outcomes(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert list(got) == CHECKS
    assert all(line.startswith("PASS ") for line in got.values()), proc.stdout
    assert proc.stdout.rstrip().endswith(f"self-test passed: all {len(CHECKS)} checks")
    assert "card inserted" in got["card"]  # the emulated chip sits in slot 0
    shot = load_config(config).storage.data_dir / "self-test.png"
    with Image.open(shot) as img:  # the attract screen as the self-test saw it
        assert img.size == (1920, 1080)
        assert len(img.convert("RGB").getcolors(1 << 20) or []) > 8
    return got


def assert_printer_named(proc: subprocess.CompletedProcess[str]) -> None:
    got = outcomes(proc.stdout)
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert got["printer"].startswith("FAIL printer: offline (unreachable)")
    assert [n for n, line in got.items() if line.startswith("FAIL")] == ["printer"]
    assert "self-test FAILED: printer (7 of 8 checks passed)" in proc.stdout


# ---- from source: always runs ------------------------------------------------------------


def test_self_test_from_source_passes(world):
    proc = run([sys.executable, "-m", "launcher", "--self-test", "--config", str(world["ok"])])
    got = assert_all_pass(proc, world["ok"])
    assert "catalog " in got["platform"] and "ETag" in got["platform"]
    assert "Traceback" not in proc.stderr


def test_self_test_from_source_names_the_stopped_printer(world):
    proc = run([sys.executable, "-m", "launcher", "--self-test", "--config",
                str(world["printer_off"])])
    assert_printer_named(proc)


def test_config_error_is_one_line_and_exit_2(tmp_path, capsys):
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace('id = "K017"', 'id = "K17"'))
    assert self_test_main(path) == 2
    out = capsys.readouterr().out
    assert out.splitlines() == [out.strip()]
    assert out.startswith("FAIL config: kiosk.id:") and "K17" in out


def test_missing_config_file_is_exit_2(tmp_path, capsys):
    assert self_test_main(tmp_path / "nope.toml") == 2
    assert "configuration file not found" in capsys.readouterr().out


def context(config: Path) -> selftest.Context:
    loaded = load_config(config)
    return selftest.Context(config, loaded, loaded.ui)


def test_a_check_that_hangs_or_crashes_becomes_a_fail_line(tmp_path):
    ctx = context(write_config(tmp_path))

    def hangs(_ctx):
        time.sleep(5)
        return "never"

    def crashes(_ctx):
        raise KeyError("boom")

    slow = selftest.run_bounded("card", hangs, ctx, timeout_s=0.2)
    assert (slow.outcome, slow.detail) == ("FAIL", "no answer within 0.2 s")
    bad = selftest.run_bounded("printer", crashes, ctx, timeout_s=2)
    assert bad.line() == "FAIL printer: KeyError: 'boom'"


def test_camera_without_source_is_skipped_and_counts_as_pass(tmp_path):
    result = selftest._outcome("camera", selftest.check_camera, context(write_config(tmp_path)))
    assert result.line() == "SKIP camera: no source configured"
    assert result.passed


def test_platform_credentials_and_tls_are_named(tmp_path, platform):
    bad_token = write_config(tmp_path / "token", platform.base_url)
    bad_token.write_text(bad_token.read_text().replace('token = "dev-token"', 'token = "nope"'))
    r = selftest._outcome("platform", selftest.check_platform, context(bad_token))
    assert r.outcome == "FAIL" and r.detail.startswith("credentials refused (401")
    # https:// to a server that speaks plain HTTP: the TLS handshake fails
    tls = write_config(tmp_path / "tls", platform.base_url.replace("http://", "https://"),
                       insecure=False)
    r = selftest._outcome("platform", selftest.check_platform, context(tls))
    assert r.outcome == "FAIL" and r.detail.startswith("TLS (connection_lost)"), r.detail


def test_storage_fails_on_a_data_folder_it_cannot_write(tmp_path):
    cfg = write_config(tmp_path)
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    r = selftest._outcome("storage", selftest.check_storage, context(cfg))
    assert r.outcome == "FAIL" and "is not writable" in r.detail


# ---- the one-folder build ----------------------------------------------------------------


def _newest_source() -> float:
    files = [ROOT / "kiosk.spec"]
    for pkg in ("launcher", "kiosk", "devices", "offline_queue", "ui"):
        files += [p for p in (ROOT / pkg).rglob("*") if p.suffix in (".py", ".qml")]
    return max(p.stat().st_mtime for p in files)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    fresh = ROOT / "dist" / "kiosk" / "kiosk"
    if fresh.exists() and fresh.stat().st_mtime > _newest_source():
        return fresh
    if importlib.util.find_spec("PyInstaller") is None:
        if FORCE:
            pytest.fail("PyInstaller is not installed: pip install -e '.[package]'")
        pytest.skip("PyInstaller is not installed (pip install -e '.[package]')")
    out = tmp_path_factory.mktemp("package")
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
             "--workpath", str(out / "build"), "--distpath", str(out / "dist"), "kiosk.spec"],
            cwd=ROOT, capture_output=True, text=True,
            timeout=None if FORCE else BUILD_LIMIT_S)
    except subprocess.TimeoutExpired:
        pytest.skip(f"the build took over {BUILD_LIMIT_S:.0f} s; KIOSK_PACKAGE_TEST=1 runs it")
    assert proc.returncode == 0, proc.stderr[-4000:]
    print(f"built in {time.monotonic() - started:.0f} s")
    return out / "dist" / "kiosk" / "kiosk"


def test_built_kiosk_self_test_passes(built, world):
    proc = run([str(built), "--self-test", "--config", str(world["ok"])])
    got = assert_all_pass(proc, world["ok"])
    # the receipt's CJK raster font and the MRZ reader's OCR-B come from the package
    assert "wqy-microhei.ttc (bundled)" in got["fonts"]
    assert "OCRB.otf (bundled)" in got["fonts"]


def test_built_kiosk_names_the_stopped_printer(built, world):
    assert_printer_named(run([str(built), "--self-test", "--config", str(world["printer_off"])]))


def test_built_kiosk_shows_chinese_without_the_system_font_packages(built, world, tmp_path):
    """A terminal without fonts-wqy-microhei and fonts-ocr-b: both font folders hidden in a
    private mount namespace. The bundled fonts serve the screens, receipts and MRZ reader;
    with the bundle's fontconfig file replaced by the system's, the screens check fails."""
    hidden = ["/usr/share/fonts/truetype/wqy", "/usr/share/fonts/opentype/ocr-b"]
    if shutil.which("unshare") is None or os.geteuid() != 0 or \
            subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs root and unshare -m to hide the system's fonts")
    empty = tmp_path / "empty"
    empty.mkdir()
    mounts = " && ".join(f"mount --bind {empty} {d}" for d in hidden if Path(d).is_dir())
    probe = "fc-list :lang=zh | wc -l" if shutil.which("fc-list") else "echo 0"

    def without_system_fonts(env: str = "") -> tuple[int, str, dict[str, str]]:
        script = f"{mounts} && {probe} && exec env {env} {built} --self-test --config {world['ok']}"
        proc = run(["unshare", "-m", "sh", "-c", script])
        first, _, rest = proc.stdout.partition("\n")
        return proc.returncode, first.strip(), outcomes(rest)

    rc, chinese_fonts, got = without_system_fonts()
    assert chinese_fonts == "0"  # fontconfig outside the package finds no Chinese font
    assert rc == 0, got
    assert got["screens"].startswith("PASS screens:"), got["screens"]
    assert "Chinese in 'WenQuanYi Micro Hei'" in got["screens"]
    assert "wqy-microhei.ttc (bundled)" in got["fonts"] and "OCRB.otf (bundled)" in got["fonts"]
    rc, _, got = without_system_fonts("FONTCONFIG_FILE=/etc/fonts/fonts.conf")
    assert rc == 1
    assert got["screens"] == "FAIL screens: no font for Chinese: the screens would show boxes"
