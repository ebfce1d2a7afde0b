"""Which Chinese input the virtual keyboard offers (ui/keyboard.py): pinyin from the
wheel's own plugins; handwriting only when an engine's plugin folder is installed."""

from ui.keyboard import keyboard_input, log_keyboard_input


def test_the_wheels_keyboard_has_pinyin_and_names_its_plugins(caplog):
    found = keyboard_input()
    assert found.pinyin and "Pinyin" in found.plugins
    assert set(found.handwriting) <= set(found.plugins)
    with caplog.at_level("INFO", logger="ui.keyboard"):
        log_keyboard_input(found)
    line = caplog.records[-1].getMessage()
    assert line.startswith("keyboard_input pinyin=yes handwriting=")


def test_a_handwriting_engine_is_found_where_installed(tmp_path):
    for name in ("Pinyin", "Hangul", "CerenceHwr", "MyScript"):
        (tmp_path / name).mkdir()
    (tmp_path / "qmldir").write_text("module x\n")
    found = keyboard_input(tmp_path)
    assert found.handwriting == ("CerenceHwr", "MyScript") and found.pinyin
    assert keyboard_input(tmp_path / "missing").plugins == ()
