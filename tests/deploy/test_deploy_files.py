"""deploy/: the units say what the issue asks, systemd-analyze accepts them, and install.sh
installs a (stand-in) package into a scratch root with the real systemd tools."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
VENV_QT = ROOT / ".venv/lib/python3.11/site-packages/PySide6/Qt"
EXEC_LINE = "/opt/kiosk/kiosk --config /etc/kiosk/kiosk.toml --fullscreen"


def parse_unit(*paths: Path) -> dict[str, dict[str, list[str]]]:
    """systemd's reading of a unit and its drop-ins: repeated keys add up, an empty
    assignment clears the list, later files override earlier ones."""
    unit: dict[str, dict[str, list[str]]] = {}
    for path in paths:
        section = None
        pending = ""
        for raw in path.read_text().splitlines():
            line = pending + raw.strip()
            pending = ""
            if not line or line[0] in "#;":
                continue
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            if line.startswith("["):
                section = unit.setdefault(line.strip("[]"), {})
                continue
            assert section is not None, f"{path}: {line!r} outside a section"
            key, _, value = line.partition("=")
            values = section.setdefault(key.strip(), [])
            if value.strip():
                values.append(value.strip())
            else:
                values.clear()
    return unit


def env_of(service: dict[str, list[str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for assignment in service.get("Environment", []):
        for word in assignment.split():
            k, _, v = word.partition("=")
            env[k] = v
    for names in service.get("UnsetEnvironment", []):
        for name in names.split():
            env.pop(name, None)
    return env


def one(service: dict[str, list[str]], key: str) -> str:
    assert key in service, f"{key}= is not set"
    return service[key][-1]


def test_the_kiosk_unit_is_supervised_as_the_issue_asks():
    unit = parse_unit(SYSTEMD / "kiosk.service")
    svc = unit["Service"]
    assert one(svc, "Type") == "notify"
    assert one(svc, "NotifyAccess") == "main"
    assert one(svc, "WatchdogSec") == "30"
    assert one(svc, "Restart") == "always"
    assert int(one(svc, "RestartSec")) > 0
    assert "77" in one(svc, "RestartPreventExitStatus").split()
    assert set(one(svc, "SuccessExitStatus").split()) == {"75", "77"}
    assert one(svc, "ExecStart") == EXEC_LINE
    assert one(svc, "ExecStartPre").endswith("--check-config")
    assert one(svc, "User") == "kiosk"
    assert one(svc, "StateDirectory") == "kiosk" and one(svc, "LogsDirectory") == "kiosk"
    assert {"video", "lp", "dialout"} <= set(one(svc, "SupplementaryGroups").split())
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert one(svc, key) == "yes"
    assert one(svc, "ProtectSystem") == "strict"
    # what would cut the kiosk off its devices stays off
    for key in ("PrivateDevices", "DeviceAllow", "DevicePolicy", "ProtectClock",
                "MemoryDenyWriteExecute", "PrivateUsers"):
        assert key not in svc, key
    assert one(svc, "TTYPath") == "/dev/tty1" and one(svc, "StandardInput").startswith("tty")
    assert env_of(svc)["QT_QPA_PLATFORM"] == "eglfs"
    assert "getty@tty1.service" in " ".join(unit["Unit"]["Conflicts"])
    assert int(one(unit["Unit"], "StartLimitBurst")) > 1
    assert one(unit["Install"], "WantedBy") == "multi-user.target"


def test_the_display_variants_only_change_the_display():
    base = parse_unit(SYSTEMD / "kiosk.service")["Service"]
    fb = parse_unit(SYSTEMD / "kiosk.service", SYSTEMD / "display-linuxfb.conf")["Service"]
    assert env_of(fb)["QT_QPA_PLATFORM"] == "linuxfb"
    assert env_of(fb)["QT_QUICK_BACKEND"] == "software"
    assert not any(k.startswith("QT_QPA_EGLFS") for k in env_of(fb))
    assert fb["ExecStart"] == [EXEC_LINE]

    x11 = parse_unit(SYSTEMD / "kiosk.service", SYSTEMD / "display-x11.conf")["Service"]
    assert x11["ExecStart"] == ["/usr/local/libexec/kiosk/x11-session " + EXEC_LINE]
    assert env_of(x11)["QT_QPA_PLATFORM"] == "xcb" and env_of(x11)["DISPLAY"] == ":0"
    for variant in (fb, x11):  # supervision untouched
        for key in ("Type", "WatchdogSec", "Restart", "RestartPreventExitStatus", "User",
                    "ProtectSystem"):
            assert variant[key] == base[key], key
    xorg = (DEPLOY / "x11/10-kiosk.conf").read_text()
    for option in ("DontVTSwitch", "DontZap"):
        assert f'Option "{option}" "true"' in xorg


def test_the_retention_job_runs_the_purge_daily():
    svc = parse_unit(SYSTEMD / "kiosk-retention.service")["Service"]
    assert one(svc, "Type") == "oneshot" and one(svc, "User") == "kiosk"
    assert one(svc, "ExecStart") == "/opt/kiosk/kiosk queue --config /etc/kiosk/kiosk.toml purge"
    timer = parse_unit(SYSTEMD / "kiosk-retention.timer")
    assert one(timer["Timer"], "OnCalendar").startswith("*-*-*")
    assert one(timer["Timer"], "Persistent") == "true"
    assert one(timer["Install"], "WantedBy") == "timers.target"


def test_the_journal_is_capped():
    journal = parse_unit(DEPLOY / "journald/kiosk.conf")["Journal"]
    assert one(journal, "SystemMaxUse").endswith("M")
    assert one(journal, "Storage") == "persistent"


@pytest.mark.parametrize("script", ["install.sh", "x11/x11-session"])
def test_shell_scripts_parse_and_pass_shellcheck(script):
    path = DEPLOY / script
    subprocess.run(["sh", "-n", str(path)], check=True, timeout=30)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (sh -n passed)")
    proc = subprocess.run(["shellcheck", "--shell=sh", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


# ---- install.sh into a scratch root -------------------------------------------------------

needs_systemd_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("systemd-sysusers", "systemd-tmpfiles", "systemctl")),
    reason="systemd's tools are not installed")


def fake_package(folder: Path, *, with_kms_plugin: bool) -> Path:
    """A stand-in for dist/kiosk: an executable `kiosk`, the example config, and (copied from
    the venv's PySide6) the real eglfs_kms plugin whose dependencies install.sh checks."""
    pkg = folder / "kiosk"
    (pkg / "_internal/docs").mkdir(parents=True)
    (pkg / "kiosk").write_text('#!/bin/sh\necho "kiosk $*"\n')
    (pkg / "kiosk").chmod(0o755)
    shutil.copy(ROOT / "docs/kiosk.example.toml", pkg / "_internal/docs")
    plugin = VENV_QT / "plugins/egldeviceintegrations/libqeglfs-kms-integration.so"
    if with_kms_plugin:
        dest = pkg / "_internal/PySide6/Qt/plugins/egldeviceintegrations"
        dest.mkdir(parents=True)
        shutil.copy(plugin, dest)
    return pkg


def terminal_config(folder: Path) -> Path:
    text = (ROOT / "docs/kiosk.example.toml").read_text()
    path = folder / "K017.toml"
    path.write_text(text)
    return path


def install(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(DEPLOY / "install.sh"), "--root", str(root), *args],
                          capture_output=True, text=True, timeout=120)


@needs_systemd_tools
def test_install_into_a_root_creates_user_folders_key_and_enabled_units(tmp_path):
    if not (VENV_QT / "plugins/egldeviceintegrations/libqeglfs-kms-integration.so").exists():
        pytest.skip("PySide6's eglfs_kms plugin is not in the venv")
    root = tmp_path / "root"
    pkg = fake_package(tmp_path / "build", with_kms_plugin=True)
    proc = install(root, "--package", str(pkg), "--config", str(terminal_config(tmp_path)))
    assert proc.returncode == 0, proc.stderr + proc.stdout

    passwd = {line.split(":")[0]: line.split(":") for line in
              (root / "etc/passwd").read_text().splitlines()}
    assert passwd["kiosk"][6] == "/usr/sbin/nologin"
    groups = {line.split(":")[0]: line.split(":")[3].split(",") for line in
              (root / "etc/group").read_text().splitlines()}
    for group in ("video", "lp", "dialout", "input"):
        assert "kiosk" in groups[group], group
    assert stat.S_IMODE((root / "var/lib/kiosk").stat().st_mode) == 0o700
    assert (root / "opt/kiosk/kiosk").stat().st_mode & 0o111

    key = root / "etc/kiosk/data.key"
    assert len(key.read_bytes()) == 32 and stat.S_IMODE(key.stat().st_mode) == 0o400
    assert stat.S_IMODE((root / "etc/kiosk/kiosk.toml").stat().st_mode) == 0o640

    units = root / "etc/systemd/system"
    assert (units / "multi-user.target.wants/kiosk.service").is_symlink()
    assert (units / "timers.target.wants/kiosk-retention.timer").is_symlink()
    for masked in ("getty@tty1.service", "ctrl-alt-del.target"):
        assert str((units / masked).readlink()) == "/dev/null", masked
    # The venv's eglfs_kms plugin lacks libQt6EglFsKmsGbmSupport.so.6: linuxfb is chosen.
    assert "display: linuxfb" in proc.stdout
    assert [p.name for p in (units / "kiosk.service.d").iterdir()] == ["display-linuxfb.conf"]

    # An update: the key stays, the previous package is kept, the old config is kept aside.
    key_bytes = key.read_bytes()
    again = install(root, "--package", str(pkg), "--config", str(terminal_config(tmp_path)),
                    "--display", "x11")
    assert again.returncode == 0, again.stderr
    assert key.read_bytes() == key_bytes
    assert (root / "opt/kiosk.previous/kiosk").exists()
    assert (root / "etc/kiosk/kiosk.toml.old").exists()
    assert [p.name for p in (units / "kiosk.service.d").iterdir()] == ["display-x11.conf"]
    assert (root / "usr/local/libexec/kiosk/x11-session").stat().st_mode & 0o111
    assert (root / "etc/X11/xorg.conf.d/10-kiosk.conf").exists()

    if shutil.which("systemd-analyze"):
        # systemd's own check of the installed units, against the host's unit set
        shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system",
                        symlinks=True)
        for variant in ("x11", "linuxfb"):
            assert install(root, "--package", str(pkg), "--display", variant).returncode == 0
            proc = subprocess.run(["systemd-analyze", f"--root={root}", "verify",
                                   "kiosk.service", "kiosk-retention.service",
                                   "kiosk-retention.timer"],
                                  capture_output=True, text=True, timeout=60)
            assert proc.returncode == 0 and proc.stderr == "", (variant, proc.stderr)


@needs_systemd_tools
def test_install_refuses_a_terminal_with_the_virtual_reader(tmp_path):
    root = tmp_path / "root"
    (root / "etc/reader.conf.d").mkdir(parents=True)
    (root / "etc/reader.conf.d/vpcd").write_text("FRIENDLYNAME \"Virtual PCD\"\n")
    proc = install(root, "--package", str(fake_package(tmp_path, with_kms_plugin=False)),
                   "--config", str(terminal_config(tmp_path)))
    assert proc.returncode == 1
    assert "vsmartcard-vpcd" in proc.stderr
    assert not (root / "opt/kiosk").exists()


@needs_systemd_tools
def test_install_without_a_config_stops_before_enabling(tmp_path):
    root = tmp_path / "root"
    proc = install(root, "--package", str(fake_package(tmp_path, with_kms_plugin=False)))
    assert proc.returncode == 1 and "no /etc/kiosk/kiosk.toml" in proc.stderr
    assert (root / "etc/kiosk/kiosk.toml.example").exists()
    assert not (root / "etc/systemd/system/multi-user.target.wants").exists()


@pytest.mark.parametrize("args, message", [
    (["--display", "wayland"], "--display"),
    (["--bogus"], "unknown option"),
    (["--package", "/nonexistent"], "is missing"),
])
def test_install_rejects_bad_arguments(tmp_path, args, message):
    proc = install(tmp_path / "root", *args)
    assert proc.returncode != 0 and message in proc.stderr
