"""PySide6 / Qt Quick user interface: QML screens and Python view models."""
