"""Staff sign-in while the platform is unreachable (kiosk/staff_credentials.py): through the
flow against the platform simulator over HTTP (its staff: S1001 assist, S2001 assist +
maintain, S3001 maintain), with the simulator dropping /staff/login for "the platform is
down"; the credential file on a real disk; the PIN hash CLI as a subprocess."""

from __future__ import annotations

import json
import logging
import stat
import subprocess
import sys

import pytest

from kiosk.config import ConfigError, StaffSettings, load_config
from kiosk.flow.state import Screen
from kiosk.staff_credentials import StaffCredentials
from kiosk.staff_pin import SCRYPT_N, hash_pin, parse_hash, verify_pin
from tests.conftest import ROOT, write_config
from tests.kiosk.flow_rig import FakeClock, make_rig

LI = ("04112233445566", "654321", "S2001", "李强")  # assist + maintain
WANG = ("04A1B2C3D4E5F6", "123456", "S1001", "王芳")  # assist only
TECH_UID, TECH_PIN = "0455667788990A", "246810"  # the config's local technician
CHEAP_N = 2**10  # these tests hash often; the kiosk's default is SCRYPT_N


class Wall:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One rig for the module (building one takes seconds); `night` gives each test fresh
    credentials and a kiosk back in its first state."""
    from sim.platform import PlatformSim
    from tests.conftest import TOKEN

    with PlatformSim(token=TOKEN, seed=3, step_seconds=0.2) as platform:
        rig, vp = make_rig(tmp_path_factory.mktemp("night"), platform)
        yield rig
        vp.stop()
        rig.outbox.close()
        rig.client.close()


def fresh(rig, path, settings):
    rig.wall, rig.mono = Wall(), FakeClock()
    rig.creds = StaffCredentials(path, settings, wall=rig.wall, clock=rig.mono,
                                 scrypt_n=CHEAP_N)
    rig.flow.staff.credentials = rig.creds
    rig.card.uid = LI[0]
    return rig


@pytest.fixture
def night(base, tmp_path):
    """The rig with offline credentials in tmp_path/data/staff-offline.json (and a local
    technician), the platform up, every device well."""
    tech = parse_hash(str(hash_pin(TECH_UID, TECH_PIN, n=CHEAP_N)))
    rig = fresh(base, tmp_path / "data" / "staff-offline.json",
                StaffSettings(technician_card_uid=TECH_UID, technician_pin_hash=tech))
    yield rig
    flow = rig.flow
    rig.platform.clear_faults()
    flow.cancel()
    flow.leave_confirmed()
    for device in ("camera", "printer", "storage", "card_reader"):
        flow.device_status(device, "ok", "ready")
    flow.platform_status(True)
    assert flow.state.screen == Screen.ATTRACT


def sign_in(rig, who, pin=None):
    flow = rig.flow
    rig.card.uid = who[0]
    flow.open_staff_sign_in()
    assert flow.state.screen == Screen.STAFF_SIGN_IN
    flow.card_inserted()
    assert flow.state.view.card_read
    flow.pin_entered(pin or who[1])


def platform_down(rig):
    rig.platform.set_faults([{"kind": "drop", "path": "/api/v1/staff"}])


def test_a_maintainer_signs_in_offline_for_maintenance_only(night, caplog):
    flow = night.flow
    sign_in(night, LI)  # online: the platform answers, the kiosk remembers
    assert flow.state.view.can_assist and flow.state.view.via == "platform"
    flow.cancel()
    platform_down(night)
    caplog.set_level(logging.INFO)
    sign_in(night, LI)
    view = flow.state.view
    # Maintenance is all it may do: straight there, saying so (view.via on screen).
    assert flow.state.screen == Screen.MAINTENANCE and view.queue is not None
    assert view.via == "offline" and view.staff_id == "S2001" and view.staff_name == ""
    assert flow.session.staff.roles == ("maintain",)  # assist never offline
    assert flow.health.line("platform").status == "offline"
    assert "flow_staff_signed_in staff_id=S2001 roles=maintain via=offline" in caplog.text
    assert LI[1] not in caplog.text and LI[3] not in caplog.text


def test_the_cache_file_holds_no_pin_no_name_no_card_uid(night):
    sign_in(night, LI)
    path = night.creds.path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for secret in (LI[0], LI[1], LI[3], "李"):
        assert secret not in text
    entry, = json.loads(text)["entries"]
    assert entry["staff_id"] == "S2001" and entry["roles"] == ["maintain"]
    assert entry["hash"].startswith("scrypt$") and not verify_pin(
        parse_hash(entry["hash"]), LI[0], "000000")
    # The kiosk's own default cost is what a real kiosk stores.
    real = StaffCredentials(path.parent / "real.json", StaffSettings())
    real.remember(LI[0], LI[1], "S2001", ("assist", "maintain"))
    stored = json.loads((path.parent / "real.json").read_text())["entries"][0]["hash"]
    assert parse_hash(stored).n == SCRYPT_N


def test_wrong_pins_offline_are_refused_then_locked_out_for_a_minute(night):
    flow = night.flow
    sign_in(night, LI)
    flow.cancel()
    platform_down(night)
    sign_in(night, LI, "000000")
    assert flow.state.message.key == "staff.bad_credentials"
    assert flow.state.screen == Screen.STAFF_SIGN_IN and not flow.state.staff_signed_in
    flow.pin_entered("000001")
    flow.pin_entered("000002")  # the visit's third: it ends
    assert flow.state.screen == Screen.ATTRACT
    sign_in(night, LI, "000003")  # a new visit does not reset the kiosk's count
    assert flow.state.message.key == "staff.bad_credentials"
    flow.pin_entered("000004")  # fifth in a row
    assert flow.state.message.key == "staff.offline_locked"
    flow.pin_entered(LI[1])  # the right PIN, but locked
    assert flow.state.message.key == "staff.offline_locked" and not flow.state.staff_signed_in
    night.mono.now += 61
    flow.pin_entered(LI[1])
    assert flow.state.screen == Screen.MAINTENANCE and flow.state.view.via == "offline"


def test_an_assist_only_member_never_signs_in_offline(night):
    flow = night.flow
    sign_in(night, WANG)  # online works, but nothing is stored for assist
    assert flow.state.screen == Screen.STAFF_MENU
    assert not night.creds.path.exists()
    flow.cancel()
    platform_down(night)
    sign_in(night, WANG)
    assert flow.state.message.key == "staff.offline_unknown_card"
    assert flow.state.screen == Screen.STAFF_SIGN_IN and not flow.state.staff_signed_in
    assert not flow.state.view.card_read  # another card may be laid on the reader


def test_a_401_online_removes_the_cards_entry(night):
    flow = night.flow
    sign_in(night, LI)
    flow.cancel()
    assert len(json.loads(night.creds.path.read_text())["entries"]) == 1
    sign_in(night, LI, "999999")  # the platform says 401 (the PIN was changed, say)
    assert flow.state.message.key == "staff.bad_credentials"
    assert json.loads(night.creds.path.read_text())["entries"] == []
    flow.cancel()
    platform_down(night)
    sign_in(night, LI)
    assert flow.state.message.key == "staff.offline_unknown_card"


def test_an_expired_entry_is_refused_and_dropped(night):
    flow = night.flow
    sign_in(night, LI)
    flow.cancel()
    platform_down(night)
    night.wall.now += 15 * 86400  # offline_days is 14
    sign_in(night, LI)
    assert flow.state.message.key == "staff.offline_unknown_card"
    assert json.loads(night.creds.path.read_text())["entries"] == []


def test_the_cache_is_bounded_and_survives_a_restart(tmp_path):
    settings = StaffSettings(offline_entries=2)
    creds = StaffCredentials(tmp_path / "c.json", settings, scrypt_n=CHEAP_N)
    for i in range(3):
        creds.remember(f"0411223344556{i}", "654321", f"S200{i}", ("maintain",))
    again = StaffCredentials(tmp_path / "c.json", settings, scrypt_n=CHEAP_N)
    assert again.check("04112233445560", "654321").outcome == "unknown_card"  # oldest went
    assert again.check("04112233445562", "654321").staff_id == "S2002"
    (tmp_path / "c.json").write_text("{not json")
    assert not StaffCredentials(tmp_path / "c.json", settings).available()  # empty, no raise


def test_the_local_technician_signs_in_without_the_platform(night, caplog):
    flow = night.flow
    platform_down(night)
    caplog.set_level(logging.INFO)
    sign_in(night, (TECH_UID, TECH_PIN))
    assert flow.state.screen == Screen.MAINTENANCE and flow.state.view.via == "local"
    assert flow.state.view.staff_id == "technician"
    assert "via=local" in caplog.text and TECH_PIN not in caplog.text


def test_out_of_service_lets_staff_in_exactly_when_someone_could_sign_in(night):
    rig = fresh(night, None, StaffSettings())  # nobody remembered, no technician
    flow = rig.flow
    flow.device_status("camera", "offline", "source_lost", "camera unplugged")
    flow.platform_status(False, "night")
    assert flow.state.screen == Screen.OUT_OF_SERVICE
    assert not flow.state.view.staff_possible  # nobody could sign in
    flow.card_inserted()
    assert flow.state.screen == Screen.OUT_OF_SERVICE
    rig.creds.remember(LI[0], LI[1], "S2001", ("maintain",))
    flow.device_status("storage", "ok", "ready")  # any news rebuilds the view
    assert flow.state.view.staff_possible
    flow.card_inserted()  # the staff card on the reader: sign-in, card read
    assert flow.state.screen == Screen.STAFF_SIGN_IN and flow.state.view.card_read
    assert flow.state.view.offline
    platform_down(rig)
    flow.pin_entered(LI[1])
    assert flow.state.screen == Screen.MAINTENANCE and flow.state.view.via == "offline"


def test_maintenance_says_every_status_in_words_with_the_time(night):
    flow = night.flow
    flow.device_status("camera", "offline", "source_lost", "camera unplugged")
    flow.device_status("printer", "degraded", "paper_near_end", "paper roll near its end")
    flow.device_status("storage", "error", "some_new_code", "x")
    sign_in(night, (TECH_UID, TECH_PIN))
    view = flow.state.view
    lines = {d.device: d for d in view.devices}
    # The reader just read the staff card: not "unknown".
    assert lines["card_reader"].status == "ok" and lines["card_reader"].words.zh == "正常"
    assert lines["camera"].words.zh == "摄像头画面中断" and lines["camera"].code == ""
    assert lines["printer"].words.en == "Paper running low"
    assert lines["platform"].words.zh == "已连接"
    assert lines["storage"].words.zh == "故障" and lines["storage"].code == "some_new_code"
    for line in view.devices:
        assert "(" not in line.words.zh and line.words.zh != line.status
        if line.status != "unknown":
            assert len(line.checked) == 8 and line.checked.count(":") == 2
    assert view.terminal == "K017 · BA01" and view.version


def test_staff_pin_cli_makes_a_hash_the_config_accepts(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kiosk.staff_pin", "--card-uid",
                           TECH_UID.lower()], input="246810\n", capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "246810" not in proc.stdout
    path = write_config(tmp_path)
    path.write_text(path.read_text() + "[staff]\n" + proc.stdout)
    staff = load_config(path).staff
    assert staff.technician_card_uid == TECH_UID
    assert staff.technician_pin_hash is not None
    assert verify_pin(staff.technician_pin_hash, TECH_UID, "246810")
    assert not verify_pin(staff.technician_pin_hash, TECH_UID, "246811")
    bad = subprocess.run([sys.executable, "-m", "kiosk.staff_pin", "--card-uid", TECH_UID],
                         input="12ab\n", capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "6 digits" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(("lines", "key"), [
    ('technician_card_uid = "0455667788990A"\ntechnician_pin_hash = "md5$abc"',
     "staff.technician_pin_hash"),
    ('technician_card_uid = "0455667788990A"', "staff.technician_pin_hash"),
    ('technician_card_uid = "XYZ"\ntechnician_pin_hash = "x"', "staff.technician_card_uid"),
])
def test_a_wrong_technician_credential_stops_the_config(tmp_path, lines, key):
    path = write_config(tmp_path)
    path.write_text(path.read_text() + "[staff]\n" + lines + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key


def test_maintenance_asks_every_device_when_it_opens_and_on_refresh(night):
    flow, asked = night.flow, []

    def probe():
        asked.append(night.wall.now)
        return (("printer", "offline", "paper_out", "out of paper"),
                ("platform", "offline", "unreachable", "no route"))
    flow.device_status("printer", "ok", "ready")
    flow.staff.probe = probe
    try:
        sign_in(night, (TECH_UID, TECH_PIN))
        assert len(asked) == 1 and flow.state.screen == Screen.MAINTENANCE
        lines = {d.device: d for d in flow.state.view.devices}
        assert lines["printer"].words.zh == "缺纸" and lines["printer"].level == "bad"
        assert lines["platform"].words.en == "Cannot be reached"
        flow.refresh_maintenance()
        assert len(asked) == 2 and flow.state.view.queue is not None
    finally:
        flow.staff.probe = None


def test_the_probe_answers_for_a_device_that_fails_and_a_platform_that_raises(tmp_path):
    from devices.status import DeviceState, DeviceStatus
    from kiosk.runtime.probe import DeviceProbe

    class Down:
        def refresh(self):
            raise ConnectionError("no route")

    def broken():
        raise RuntimeError("driver bug")

    probe = DeviceProbe(tmp_path, Down())
    probe.devices.update(camera=lambda: DeviceStatus(DeviceState.OK, "streaming", "x"),
                         printer=broken)
    lines = {line[0]: line for line in probe()}
    assert lines["camera"] == ("camera", "ok", "streaming", "x")
    assert lines["printer"] == ("printer", "error", "probe_failed", "RuntimeError")
    assert lines["platform"][1:3] == ("offline", "unreachable")
    assert lines["storage"][1] in ("ok", "degraded", "error")
