"""A virtual ESC/POS receipt printer for the demo and the tests (imports nothing of the app)."""

from .control import ControlServer
from .decoder import Decoder, Op
from .paper import Paper
from .server import Job, PrinterState, VirtualPrinter

__all__ = ["ControlServer", "Decoder", "Job", "Op", "Paper", "PrinterState", "VirtualPrinter"]
