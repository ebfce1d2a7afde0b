"""MRZ parsing against the ICAO 9303 specimens."""

from __future__ import annotations

import pytest

from devices.mrz import MrzError, bac_seed, check_digit, parse_mrz

TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<",
       "7408122F1204159UTO<<<<<<<<<<<6",
       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
       "D231458907UTO7408122F1204159<<<<<<<6"]


def test_check_digits_of_the_specimen() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"
    assert check_digit("<<<<") == "0"


def test_td3_specimen() -> None:
    m = parse_mrz(TD3)
    assert (m.format, m.document_code, m.issuing_state) == ("TD3", "P", "UTO")
    assert m.document_number == "L898902C3"
    assert (m.birth_date, m.expiry_date, m.sex, m.nationality) == ("740812", "120415", "F",
                                                                     "UTO")
    assert (m.surname, m.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert m.optional_data == "ZE184226B"
    assert m.bac_seed() == "L898902C36" "7408122" "1204159"


def test_td1_and_td2_specimens() -> None:
    one, two = parse_mrz(TD1), parse_mrz("\n".join(TD2))
    for m in (one, two):
        assert m.document_number == "D23145890"
        assert m.name == "ERIKSSON ANNA MARIA"
        assert m.birth_date == "740812" and m.expiry_date == "120415"
    assert one.format == "TD1" and two.format == "TD2"


@pytest.mark.parametrize(("index", "pos", "field"), [
    (1, 0, "document_number"), (1, 14, "birth_date"), (1, 22, "expiry_date"),
    (1, 30, "personal_number"), (1, 43, "composite")])
def test_any_changed_character_is_caught(index: int, pos: int, field: str) -> None:
    lines = list(TD3)
    line = lines[index]
    lines[index] = line[:pos] + ("9" if line[pos] != "9" else "8") + line[pos + 1:]
    with pytest.raises(MrzError) as info:
        parse_mrz(lines)
    assert info.value.field == field


def test_bad_shapes_and_characters() -> None:
    with pytest.raises(MrzError, match="fit no MRZ format"):
        parse_mrz(["P<UTO", "L898"])
    with pytest.raises(MrzError, match="only 0-9"):
        parse_mrz([TD3[0].replace("P", "p", 1).lower(), TD3[1].replace("<", "«")])
    with pytest.raises(MrzError, match="no MRZ"):
        parse_mrz("")


def test_bac_seed_pads_short_typed_numbers() -> None:
    assert bac_seed("L898902C3", "740812", "120415") == "L898902C36" "7408122" "1204159"
    assert bac_seed("ab12", "740812", "120415").startswith("AB12<<<<<")
    # ICAO 9303 Part 11, Appendix D.2: the worked example's MRZ_information.
    assert bac_seed("L898902C", "690806", "940623") == "L898902C<369080619406236"
    with pytest.raises(MrzError, match="birth_date"):
        bac_seed("L898902C3", "7408", "120415")
