"""Receipt printers: a document model, ESC/POS rendering per profile, transports, status.

The kiosk composes Documents (kiosk/receipt.py) and hands them to a Printer; this
package never imports the kiosk.
"""

from .document import (
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    TextSize,
)
from .port import (
    DeviceState,
    PaperState,
    PrinterConfigError,
    PrinterError,
    PrinterNotReady,
    PrinterStatus,
    PrintIncomplete,
    PrintResult,
    ReceiptPrinter,
    TransportError,
)
from .printer import BadDocument, Printer
from .profiles import DEFAULT_PROFILE, PROFILES, PrinterProfile, get_profile
from .render import GLUE, render
from .transports import Timeouts, open_transport

__all__ = [
    "Align", "BadDocument", "Barcode", "Block", "Columns", "Cut", "DEFAULT_PROFILE",
    "DeviceState", "Document", "Feed", "Image", "PROFILES", "PaperState", "PrintIncomplete",
    "PrintResult", "Printer", "PrinterConfigError", "PrinterError", "PrinterNotReady",
    "PrinterProfile", "PrinterStatus", "QrCode", "ReceiptPrinter", "Rule", "Text",
    "GLUE", "TextSize", "Timeouts", "TransportError", "get_profile", "open_transport",
    "render",
]
