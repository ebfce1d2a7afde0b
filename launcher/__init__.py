"""The entry point, above the touchscreen: parses the arguments, builds the kiosk
(kiosk.app, the composition root) and hands it to the touchscreen (ui), or runs the sync
worker alone (--headless), checks the config (--check-config) or the terminal
(--self-test). `python -m launcher --config FILE`; the packaged kiosk runs packaged.py."""
