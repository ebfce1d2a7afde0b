"""An eMRTD chip emulator behind real pcscd (vpcd protocol), for the demo and the tests.

Imports nothing of the application: it has its own small copies of the ICAO crypto and
TLV encoding, so a bug on the reader side cannot hide in a shared helper.

vpcd listens on every network interface: it belongs on test and demo machines only,
never on a kiosk in a hall.
"""

from sim.card.emulator import CardEmulator
from sim.card.pcscd import PcscdProcess, start_pcscd
from sim.card.profiles import PROFILES, Profile, get_profile

__all__ = ["PROFILES", "CardEmulator", "PcscdProcess", "Profile", "get_profile", "start_pcscd"]
