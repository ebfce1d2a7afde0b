"""A simulator of the central platform's kiosk API (/work/shared/platform-api.yaml).

For demos and tests only: loopback, in memory, with fault injection and an audit view.
It imports nothing from the kiosk application packages.
"""

from .catalog import WELL_KNOWN_SERVICE, build_catalog
from .faults import FaultRule
from .server import PlatformSim
from .state import PlatformState
from .tls import server_ssl_context
from .validation import gb11643_check_digit

__all__ = [
    "WELL_KNOWN_SERVICE",
    "FaultRule",
    "PlatformSim",
    "PlatformState",
    "build_catalog",
    "gb11643_check_digit",
    "server_ssl_context",
]
