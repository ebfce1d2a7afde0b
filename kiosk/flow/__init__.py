"""The citizen's visit as a plain-Python state machine (no Qt, no threads): `Flow` takes
intents and publishes `FlowState` snapshots. See intents.py for the journeys and how they
share the visit; docs/flow.md for the screens."""

from .intents import Flow
from .parsing import parse_receipt_code
from .settings import EXIT_MAINTAINER, EXIT_RESTART, FlowSettings, FlowSettingsError
from .visit import JobDone

__all__ = ["EXIT_MAINTAINER", "EXIT_RESTART", "Flow", "FlowSettings", "FlowSettingsError",
           "JobDone", "parse_receipt_code"]
