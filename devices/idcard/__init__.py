"""Resident ID card readers with the SAM module (the SAM frame protocol)."""
