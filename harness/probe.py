"""Finding QML items by objectName and touching them as a finger would: for the tests, the
screenshot script and the bench. Walks the visual item tree (Repeater and ListView
delegates are not QObject children of the window, so findChild misses them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest


class ItemNotFound(LookupError):
    pass


def items(window: QQuickWindow) -> Iterator[QQuickItem]:
    stack = [window.contentItem()]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(reversed(item.childItems()))


def find_item(window: QQuickWindow, name: str, *, visible: bool = True) -> QQuickItem:
    """The first item named `name` (that is visible on screen, unless told otherwise)."""
    for item in items(window):
        if item.objectName() == name and (not visible or _shown(item)):
            return item
    raise ItemNotFound(name)


def _shown(item: QQuickItem) -> bool:
    return item.isVisible() and item.width() > 0 and item.height() > 0


def centre(item: QQuickItem) -> QPoint:
    p = item.mapToScene(QPointF(item.width() / 2, item.height() / 2))
    return QPoint(round(p.x()), round(p.y()))


def settled(window: QQuickWindow, name: str, timeout_s: float = 3.0) -> QQuickItem:
    """The item `name` once it stops moving (a list scrolling to the focused field, the
    keyboard sliding away): a finger waits for that too, or it hits the row beside."""
    deadline = time.monotonic() + timeout_s
    last = None
    while True:
        QGuiApplication.processEvents()
        item = find_item(window, name)
        here = centre(item)
        if here == last or time.monotonic() > deadline:
            return item
        last = here
        time.sleep(0.03)


def tap(window: QQuickWindow, name: str) -> QQuickItem:
    """A click in the middle of the visible item `name`, once it is still."""
    item = settled(window, name)
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     centre(item))
    return item


def type_text(window: QQuickWindow, text: str) -> None:
    """Key presses into the item that has the focus, one character each (as a hardware
    keyboard would send them; Chinese characters as committed text)."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() and ch.isalnum() else 0
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch)
            QGuiApplication.sendEvent(window, event)


def clear_focused(window: QQuickWindow) -> None:
    """Select all and delete in the focused text field."""
    QTest.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window, Qt.Key.Key_Backspace)


def wait_for(app: QGuiApplication, ok: Callable[[], bool], what: str,
             timeout_s: float = 30.0) -> None:
    """Turn the event loop until `ok()` holds; AssertionError naming `what` after the time."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if ok():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
