"""The one string catalog (kiosk/strings): every language has every key, with the same
parameters; the screens' labels and the receipts' words come from it too."""

import re
import string

from kiosk.receipt import _words
from kiosk.strings import LANGUAGES, STRINGS, table, text


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_every_key_with_the_same_parameters():
    keys = {lang: set(STRINGS[lang]) for lang in LANGUAGES}
    assert keys["zh"] == keys["en"]
    for key in keys["zh"]:
        assert fields(STRINGS["zh"][key]) == fields(STRINGS["en"][key]), key
        assert STRINGS["zh"][key].strip() and STRINGS["en"][key].strip(), key


def test_the_english_catalog_has_no_chinese_left_in_it():
    han = re.compile(r"[\u4e00-\u9fff]")
    # the language switch offers 中文 in English; nothing else is Chinese
    left = [k for k, v in STRINGS["en"].items() if han.search(v) and k != "label.language"]
    assert left == []


def test_text_fills_parameters_and_shows_a_missing_key_as_itself(caplog):
    assert text("maintenance.retried", "en", count=3) == "3 put back in the queue."
    assert text("maintenance.retried", "zh", count=3) == "已重新排队3件。"
    assert text("no.such_key", "en") == "no.such_key"
    assert "strings_missing key=no.such_key" in caplog.text
    assert text("maintenance.retried", "fr", count=1) == text("maintenance.retried", "zh",
                                                              count=1)


def test_labels_and_receipt_words_are_tables_of_the_catalog():
    assert table("en", "label.")["back"] == STRINGS["en"]["label.back"] == "Back"
    assert _words("zh")["tracking"] == STRINGS["zh"]["paper.tracking"] == "申请编号"
    assert not any(k.startswith("label.") for k in table("zh", "paper."))


def test_every_reason_the_camera_gives_has_words_on_screen():
    import re as _re

    import devices.camera.quality as quality

    reasons = set(_re.findall(r'"([a-z_]+)"', quality.__doc__ or ""))
    assert {"move_left", "too_close", "tilted", "hold_still"} <= reasons
    missing = sorted(r for r in reasons if f"capture.{r}" not in STRINGS["zh"]
                     or f"capture.{r}" not in STRINGS["en"])
    assert missing == []
