"""The soak run in small: a few dozen visits against every simulator (the platform and the
printer as child processes, the chip emulator behind the test session's pcscd in
`card_rig.slots[0]`, the soak camera's frames through the real detection and MRZ/QR
code), with every kind of fault forced once, early and short. Then: a crash is counted.
"""

from __future__ import annotations

import logging

import pytest

from harness.soak.faults import ALL_KINDS
from harness.soak.run import FD_SLACK, SoakOptions, check_audit, run_soak, summary
from harness.soak.world import CARD_PROFILE, STAFF_UID, CardSlot
from sim.card import get_profile
from sim.idcard import sample_cards

PERSONAL = ("张伟", "ZHANG", "E12345678", "1985-03-15", "110101198503150011",
            # the ID card holders' names, numbers and addresses (sim.idcard's cards)
            *(v for c in sample_cards().values()
              for v in (c.name, c.id_number, c.address) if v and len(v) > 1))


@pytest.fixture
def soak_slot(card_rig):
    """Slot 0 holds our passport (with a staff card's UID) for the test, then the specimen."""
    rig_slot = card_rig.slots[0]
    slot = CardSlot(rig_slot.reader, rig_slot.emulator, card_rig.pcscd)
    slot.emulator.set_profile(get_profile(CARD_PROFILE, uid=STAFF_UID))
    assert slot.reinsert(), "the passport did not reach the reader"
    try:
        yield slot
    finally:
        slot.emulator.set_profile(get_profile("specimen"))
        slot.reinsert()
        rig_slot.current = ("specimen", None, None)


def soak(tmp_path, card_rig, slot, visits, **kw):
    lines: list[str] = []
    opts = SoakOptions(visits, folder=tmp_path, card_slot=slot, csca_dir=card_rig.csca_dir,
                       drain_timeout_s=60, say=lines.append, **kw)
    return run_soak(opts), lines


def test_a_small_soak_with_every_kind_of_fault(tmp_path, card_rig, soak_slot, caplog):
    caplog.set_level(logging.INFO)
    report, lines = soak(tmp_path, card_rig, soak_slot, 60, seed=5, report_every=20,
                         dense_faults=True)
    print("\n".join(lines + summary(report)))

    assert sum(report.outcomes.values()) == 60
    assert [c.visits for c in report.checkpoints] == [20, 40, 60]
    assert len(lines) == 3 and "[    60 visits" in lines[-1]
    assert report.outcomes.get("completed", 0) >= 20, report.kind_outcomes
    expected = set(ALL_KINDS)
    if not card_rig.pcscd.owned:
        expected.discard("pcscd_restart")  # someone else's pcscd: not ours to restart
    assert set(report.faults) == expected
    # The faults were real: the card left mid-read and a visit ended on it.
    assert any("visit.card_removed" in r for r in report.reasons), report.reasons
    assert report.crashes == 0, report.crash_list
    assert report.checks_failed == {}
    assert report.filed > 0
    audit = report.audit
    assert audit["ok"], audit["problems"]
    assert audit["acknowledged"] == audit["committed_once"] == report.filed
    assert report.checkpoints[-1].fds <= report.checkpoints[0].fds + FD_SLACK
    assert report.verdict["no_crash"] and report.verdict["all_acknowledged"]
    assert (tmp_path / "world" / "data" / "outbox.db").exists()
    # Nothing personal in any log line of the run, the soak's own included.
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "soak_fault" in text
    assert not [p for p in PERSONAL if p in text]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_crash_is_counted(tmp_path, card_rig, soak_slot):
    report, _ = soak(tmp_path, card_rig, soak_slot, 4, seed=9, report_every=2, crash_at=1)
    assert report.crashes == 2
    assert sorted(c["kind"] for c in report.crash_list) == ["callback", "thread"]
    assert all(c["what"] == "RuntimeError" and c["visit"] == 2 for c in report.crash_list)
    assert report.verdict["no_crash"] is False and not report.ok


class _Item:
    def __init__(self, sid, tn, state="acknowledged", last_error=None):
        self.submission_id, self.tracking_no = sid, tn
        self.state, self.last_error = state, last_error


def test_the_audit_check_finds_what_went_wrong():
    items = [_Item("a", "T1"), _Item("b", "T2"), _Item("c", "T3", "pending", "timeout")]
    audit = {"submissions": {"a": {"commits": 1, "attachments_ok": True},
                             "b": {"commits": 2, "attachments_ok": True}},
             "tracking_numbers": {"T1": 1, "T2": 1}}
    out = check_audit(items, {"T1", "T2", "T3", "T4"}, audit)
    assert not out["ok"]
    assert out["acknowledged"] == 2 and out["committed_once"] == 1
    text = " ".join(out["problems"])
    assert "T4: on a receipt, not in the outbox" in text
    assert "T2: platform audit" in text and "T3: pending (timeout)" in text
    good = check_audit(items[:1], {"T1"}, {"submissions": {"a": {"commits": 1,
                                                                  "attachments_ok": True}},
                                          "tracking_numbers": {"T1": 1}})
    assert good["ok"] and good["problems"] == []
