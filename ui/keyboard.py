"""What Chinese input the virtual keyboard offers on this Qt: pinyin always; handwriting
only where a handwriting engine is installed beside Qt Virtual Keyboard (Cerence
Handwriting or MyScript, both licensed separately; Qt 6 has no open-source engine for
Chinese). Where one is, the keyboard's own handwriting-mode key appears in the zh_CN
layout by itself (VirtualKeyboardSettings.handwritingModeDisabled stays false); the kiosk
only says at start which it found. docs/keyboard.md has the details."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The folder names of Qt Virtual Keyboard's handwriting engine plugins (Qt 6).
HANDWRITING_ENGINES = ("CerenceHwr", "CerenceXt9", "MyScript", "Lipi", "HandwritingExample")


@dataclass(frozen=True)
class KeyboardInput:
    plugins: tuple[str, ...]  # the input-method plugins installed (Pinyin, Hangul, ...)
    handwriting: tuple[str, ...]  # those of them that recognise handwriting

    @property
    def pinyin(self) -> bool:
        return "Pinyin" in self.plugins


def plugins_dir() -> Path:
    from PySide6.QtCore import QLibraryInfo

    qml = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.QmlImportsPath))
    return qml / "QtQuick" / "VirtualKeyboard" / "Plugins"


def keyboard_input(folder: Path | None = None) -> KeyboardInput:
    folder = plugins_dir() if folder is None else folder
    names = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir())) \
        if folder.is_dir() else ()
    hwr = tuple(n for n in names if any(n.lower().startswith(e.lower())
                                        for e in HANDWRITING_ENGINES))
    return KeyboardInput(names, hwr)


def log_keyboard_input(found: KeyboardInput | None = None) -> KeyboardInput:
    found = found or keyboard_input()
    log.info("keyboard_input pinyin=%s handwriting=%s plugins=%s",
             "yes" if found.pinyin else "no", ",".join(found.handwriting) or "none",
             ",".join(found.plugins) or "none")
    return found
