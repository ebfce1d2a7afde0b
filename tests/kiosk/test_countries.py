"""ICAO 9303 codes in words (kiosk/countries.py): the states ISO 3166-1 names, the codes
only ICAO has, an MRZ's padding, and a code nobody knows shown as it stands."""

from kiosk.countries import country_name
from kiosk.country_names import NAMES
from kiosk.text import Text


def test_codes_become_names_in_both_languages():
    assert country_name("CHN") == Text("中国", "China")
    assert country_name("hkg").zh == "中国香港"
    assert country_name("D<<") == Text("德国", "Germany")  # ICAO's one-letter Germany
    assert country_name("XXA").en == "Stateless person"
    assert country_name("UTO") == Text("UTO", "UTO")  # ICAO's specimen state: as written
    assert country_name("") == Text("", "")


def test_every_entry_has_a_chinese_and_an_english_name():
    assert len(NAMES) > 250
    for code, (zh, en) in NAMES.items():
        assert 1 <= len(code) <= 3 and code.isupper(), code
        assert zh and en and zh != en, code
        assert not any("a" <= ch.lower() <= "z" for ch in zh), code  # zh is in Chinese
