"""Simulators of the systems around the kiosk, for demos and tests."""
