"""Reads through a real pseudo-terminal and pyserial against the emulator: every card
type, every SW3 failure, damaged and lost answers, removal mid-read, an expired card."""

from __future__ import annotations

from datetime import date

import pytest
from idcard_rig import TODAY

from devices.idcard.errors import CardExpired, IdCardError
from devices.idcard.nations import NATIONS, SEXES
from devices.idcard.reader import find_and_select, read_selected
from devices.idcard.sw3 import SW3_ERRORS


def ymd(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


@pytest.mark.parametrize("name", ["resident", "resident_long_term", "foreign_2017",
                                  "foreign_2023", "hmt_residence"])
def test_every_card_type_reads_with_its_fields(emu, cards, make_service, name):
    card = cards[name]
    emu.place(card)
    identity = make_service().read_identity()
    assert identity.layout == card.kind.replace("residence_permit", "hmt_residence")
    assert identity.sex == SEXES[card.sex] and identity.birth_date == ymd(card.birth)
    assert identity.id_number == card.id_number and identity.valid_from == ymd(card.valid_from)
    assert identity.valid_until == (None if card.valid_to == "长期" else ymd(card.valid_to))
    assert identity.photo_wlt == card.photo and identity.photo_bmp is None
    assert not identity.expired(TODAY)
    if identity.card_type == "foreign_permanent":
        assert identity.name_en == card.english_name and identity.nationality == card.nationality
        assert identity.name == (card.name or card.english_name)
        assert identity.address is None and identity.frames == 3  # no 30 03 for them
    else:
        assert identity.name == card.name and identity.address == card.address
        assert identity.issuer == card.authority
        assert identity.appended_address == card.appended_address
        assert identity.frames == 4  # find, select, read, appended address
        if card.nation:
            assert identity.nation == NATIONS[card.nation]
    if identity.card_type == "hmt_residence":
        assert identity.pass_number == card.pass_number
        assert identity.issue_count == int(card.issue_count)


def test_the_fingerprint_read_when_configured(emu, cards, make_service):
    card = next(c for c in cards.values() if c.fingerprint)
    emu.place(card)
    identity = make_service(fingerprint=True).read_identity()
    assert identity.fingerprint == card.fingerprint and emu.stats.commands.get("read_fp") == 1


def test_an_expired_card_is_refused_and_says_so(emu, cards, make_service):
    emu.place(cards["resident_expired"])
    with pytest.raises(CardExpired) as info:
        make_service().read_identity()
    assert info.value.code == "card_expired" and "expired" in str(info.value)


@pytest.mark.parametrize("sw3", sorted(set(SW3_ERRORS) - {0x10, 0x91}))
def test_every_sw3_failure_is_a_typed_error(emu, cards, make_service, sw3):
    emu.place(cards["resident"])
    emu.fault(f"sw3:0x{sw3:02x}")
    with pytest.raises(IdCardError) as info:
        make_service().read_identity()
    assert info.value.code == SW3_ERRORS[sw3][1]


def test_sw3_10_a_garbled_request_is_resent(emu, cards, make_service):
    emu.place(cards["resident"])
    emu.fault("sw3:0x10")
    service = make_service()
    assert service.read_identity().id_number == cards["resident"].id_number
    assert service.client.resends == 1


@pytest.mark.parametrize("fault", ["corrupt", "lost", "lost_answer", "truncated", "garbage"])
def test_damaged_or_lost_answers_are_resent_a_bounded_number_of_times(emu, cards,
                                                                      make_service, fault):
    emu.place(cards["resident"])
    emu.fault(fault, count=2)
    service = make_service(retries=2)
    assert service.read_identity().id_number == cards["resident"].id_number
    assert service.client.resends == 2


def test_resends_stop_after_retries(emu, cards, make_service):
    emu.place(cards["resident"])
    emu.fault("corrupt", count=3)
    service = make_service(retries=2)
    with pytest.raises(IdCardError) as info:
        service.read_identity()
    assert info.value.code == "checksum" and service.client.frames == 3


def test_a_read_answer_lost_after_the_sam_read_asks_for_the_card_again(emu, cards,
                                                                       make_service):
    service = make_service()
    emu.place(cards["resident"])
    service.transport.open()
    find_and_select(service.client)
    emu.fault("corrupt")  # the read's own answer; the strict reader refuses a second read
    with pytest.raises(IdCardError) as info:
        read_selected(service.client)
    assert info.value.code == "read_answer_lost"
    assert emu.stats.reads == 1 and service.client.resends == 1


def test_removal_mid_read(emu, cards, make_service):
    emu.place(cards["resident"])
    emu.fault("remove_mid_read")
    with pytest.raises(IdCardError) as info:
        make_service().read_identity()
    assert info.value.code == "card_removed"


def test_no_card(emu, make_service):
    with pytest.raises(IdCardError) as info:
        make_service().read_identity()
    assert info.value.code == "no_card"


def test_sam_id_and_status(emu, make_service):
    info = make_service().sam_info()
    assert info.sam_id == "05.01-20231115-0000123456-1234567890"
    assert info.status.state == "ok"


def test_a_sam_fault_is_a_typed_error_after_one_reset(emu, make_service):
    emu.fault("sam_fault")
    with pytest.raises(IdCardError) as info:
        make_service().sam_info()
    assert info.value.code == "sam_self_test_failed"
    assert emu.stats.commands.get("reset") == 1
