"""ID-card reader: PC/SC, ICAO 9303 eMRTD (BAC, secure messaging, passive auth), staff UID."""
