"""An emulator of the hall's SAM ID card readers, for the tests and the demo.

Written from ../shared/idcard-reader-protocol.md alone; it shares no code with
devices/idcard (it is the independent check of that driver). Standard library only.

    from sim.idcard import ReaderEmulator, SimCard, sample_cards
    cards = sample_cards(today=None)  # resident, resident_long_term, resident_expired,
                                      # foreign_2017, foreign_2023, hmt_residence
    emu = ReaderEmulator(sam_id="05.01-20231115-0000123456-1234567890",
                         answer_delay_s=0.0, read_delay_s=0.0,
                         read_once_per_placement=True, baud=115200, check_baud=True,
                         emulate_line_speed=False, frame_timeout_s=0.5,
                         commands=None, seed=None)
    path = emu.start_pty(link=tmp_path / "ttyIDR0")  # symlink to a real pty slave
    port = emu.start_tcp(port=0)                     # raw bytes, one client at a time
    emu.place(cards["resident"]); emu.remove(); emu.card
    emu.fault("corrupt"); emu.fault("lost", count=3); emu.faults; emu.clear_faults()
    emu.unplug(); emu.replug(); emu.plugged; emu.slave_name; emu.tcp_port
    emu.stats.reads, emu.stats["frames_in"], emu.stats.commands["find"], emu.stats.as_dict()
    emu.stop()                                       # or: with ReaderEmulator() as emu: ...

Fault kinds: corrupt (wrong CHK), lost (the request never reaches the reader), lost_answer
(the reader acts but its answer is lost), garbage (8-40 random bytes, never 0xAA, instead
of the answer), truncated (the first half of the answer), remove_mid_read (the next
30 01/30 10 answers 41 and the card is gone), sam_fault (sticky until clear_faults(), count
ignored), sw3:0xNN (the next card command answers SW3 NN). count=n arms n occasions.

Where the protocol facts are silent, the emulator chooses the strict reading:
- SW1 SW2 are always 00 00. Find answers 9F + 00 00 00 00; select 90 + eight 00.
- SAM id: 16 bytes, u16 u16 u32 u32 u32 little-endian, printed "%02d.%02d-%08d-%010d-%010d".
- Session: find -> select -> read. Select without a successful find: 81. A read (or 30 03)
  without a select in this placement: 41. Any failed find/select/read ends the session.
  A read is once per selection; after it 30 03 still works. SAM reset ends the session.
- One read per placement (read_once_per_placement=True): after a successful read, find
  answers 80 until remove() and place(). A new place() is a new placement. A card taken
  during the read delay makes that read fail 41.
- sam_fault: every command but baud answers 60 (the reader's MCU, not the SAM, sets baud).
- Frames: LEN < 3 or > 64 answers 11 at once; data on a command that takes none: 11; a
  frame whose bytes stop for frame_timeout_s: 11; checksum before length before command.
  A known CMD with an unknown PARA (20 07, 60 05): 21.
- Baud 60 0n: answered 90 at the old speed, then the reader switches. On the pty, with
  check_baud, bytes sent while the host's termios speed differs from the reader's are
  noise (counted in garbage_bytes, never answered). The pty starts raw at 115200.
- 30 03 answers the appended address as 70 bytes UCS-2 LE, space padded; 91 when none.
- 30 10: SW, three BE lengths (01 00, 04 00, 0/512/1024), text, photo, fingerprint.
- Residence permit ('J'): the nation field is blank.
- unplug() is a power cycle: the baud returns to the default and the card (still on the
  reader) can be found again. replug() makes a new pty behind the same symlink and listens
  on the same TCP port. A second TCP client is accepted and closed at once.
- The pty keeps no slave fd: when the host closes it, its unread input is flushed (a UART
  close does that; a Linux pty would keep stale answers for the next open).
- Logs name commands, codes and card kinds (resident, foreign_2017, ...), never contents.

CLI: python -m sim.idcard --pty LINK | --tcp PORT [--card NAME] [--control-port N]; the
control socket takes lines: place NAME | remove | fault KIND [COUNT] | clear | unplug |
replug | stats | cards.
"""

from .cards import LONG_TERM, SimCard, id_check_digit, make_id_number, sample_cards
from .emulator import ReaderEmulator
from .reader import BAUDS, DEFAULT_COMMANDS, FAULT_KINDS, Stats

__all__ = ["BAUDS", "DEFAULT_COMMANDS", "FAULT_KINDS", "LONG_TERM", "ReaderEmulator",
           "SimCard", "Stats", "id_check_digit", "make_id_number", "sample_cards"]
