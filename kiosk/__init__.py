"""The application core: configuration, the visit, receipts, health, runtime services."""

__version__ = "0.1.0"
