"""An emulator of the hall's SAM ID card readers, for the tests and the demo.

Written from ../shared/idcard-reader-protocol.md alone; it shares no code with
devices/idcard (it is the independent check of that driver). Standard library only.

    from sim.idcard import ReaderEmulator, SimCard, sample_cards
    cards = sample_cards(today=None)  # resident, resident_long_term, resident_expired,
                                      # foreign_2017, foreign_2023, hmt_residence
    emu = ReaderEmulator(sam_id="05.01-20231115-0000123456-1234567890",
                         answer_delay_s=0.0, read_delay_s=0.0)
    path = emu.start_pty(link=tmp_path / "ttyIDR0")  # symlink to a real pty slave
    port = emu.start_tcp(port=0)                     # raw bytes, one client at a time
    emu.place(cards["resident"]); emu.remove()
    emu.fault("corrupt"); emu.fault("lost", count=3); emu.clear_faults()
    emu.unplug(); emu.replug()
    emu.stats.reads, emu.stats["frames_in"], emu.stats.commands["find"]
    emu.stop()
"""

from .cards import LONG_TERM, SimCard, id_check_digit, make_id_number, sample_cards
from .emulator import ReaderEmulator
from .reader import BAUDS, DEFAULT_COMMANDS, FAULT_KINDS, Stats

__all__ = ["BAUDS", "DEFAULT_COMMANDS", "FAULT_KINDS", "LONG_TERM", "ReaderEmulator",
           "SimCard", "Stats", "id_check_digit", "make_id_number", "sample_cards"]
