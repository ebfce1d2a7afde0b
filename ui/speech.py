"""Reads each screen's instruction aloud when the citizen switched speech on.

QtTextToSpeech with the engine from config: "speechd" (speech-dispatcher + espeak-ng)
where installed, "mock" in tests; with no engine at all the switch simply says nothing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLocale, QObject
from PySide6.QtTextToSpeech import QTextToSpeech

from .viewmodel import FlowModel

log = logging.getLogger(__name__)


class Speaker(QObject):
    def __init__(self, vm: FlowModel, engine: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vm = vm
        engines = QTextToSpeech.availableEngines()
        name = engine if engine in engines else ""
        self._tts: QTextToSpeech | None = None
        if engine and not name:
            log.warning("speech_engine_missing wanted=%s have=%s", engine, ",".join(engines))
        elif engines:
            self._tts = QTextToSpeech(name, self) if name else QTextToSpeech(self)
        self._said: tuple[str, str, bool] | None = None
        self.spoken: list[str] = []  # the last few utterances, for tests (never personal)
        vm.stateChanged.connect(self._update)

    @property
    def engine(self) -> str:
        return self._tts.engine() if self._tts is not None else ""

    def _update(self) -> None:
        s = self._vm.state
        key = (s.get("screen", ""), s.get("lang", ""), bool(s.get("speech")))
        if key == self._said:
            return
        self._said = key
        if not s.get("speech") or self._tts is None:
            if self._tts is not None:
                self._tts.stop()
            return
        self._tts.setLocale(QLocale(QLocale.Language.Chinese if s["lang"] == "zh"
                                    else QLocale.Language.English))
        # Only the screen's instruction: it never holds personal data.
        self._tts.say(s["instruction"])
        self.spoken = [*self.spoken[-9:], s["instruction"]]
