"""What ICAO 9303 (Parts 3 to 5) says about the MRZ fields no check digit covers.

Check digits protect the document number and the dates; the document code, the states, the
names and the optional data are unprotected, and a cut or template slip there (a chevron read
as K or C, a filler run broken by a stray letter) passes every check digit. These rules
refuse such readings: a right MRZ never breaks them, a wrong one often does.
"""

from __future__ import annotations

import re

from devices.mrz import Mrz

# ISO 3166-1 alpha-3, and ICAO 9303 Part 3's additions (D for Germany, the British
# nationality classes, the UN, refugees and stateless persons, Kosovo, the EU, the specimen
# state Utopia).
_ISO3 = """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD
BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR
COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH
ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL
GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR
JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR
MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL
NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY
PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP
SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA
UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
D<< GBD GBN GBO GBP GBS UNO UNA UNK XXA XXB XXC XXX XBA XIM XCC XCE XCO XEC XES XMP XOM XDC
XPO RKS EUE UTO ANT NTZ
"""
STATES = frozenset(_ISO3.split())
# Some states print their ISO 3166 alpha-2 code padded with a filler (seen on specimens).
_ISO2_PADDED = re.compile(r"^[A-Z]{2}<$")
_NAME = re.compile(r"^[A-Z]+(<[A-Z]+)*(<<[A-Z]+(<[A-Z]+)*)?<*$")
_NUMBER = re.compile(r"^[0-9A-Z]+<*$")


_D, _A, _F = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ<", "0123456789<"
_N, _SEX = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<", "MFX<"
# What may stand at each position of each line (ICAO 9303 Parts 4 and 5).
LAYOUTS: dict[str, tuple[list[str], ...]] = {
    "TD3": ([_A] * 44,
            [_N] * 9 + [_D] + [_A] * 3 + [_D] * 7 + [_SEX] + [_D] * 7 + [_N] * 14 + [_F, _D]),
    "TD1": ([_A] * 2 + [_A] * 3 + [_N] * 9 + [_F] + [_N] * 15,
            [_D] * 7 + [_SEX] + [_D] * 7 + [_A] * 3 + [_N] * 11 + [_D],
            [_A] * 30),
}


def _state_ok(code: str) -> bool:
    return code in STATES or bool(_ISO2_PADDED.match(code)) and code[:2].isalpha()


def _date_ok(yymmdd: str) -> bool:
    if not yymmdd.isdigit():
        return False
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


def _optional_ok(field: str) -> bool:
    """Optional data runs from the left and is padded at the end: no letter or digit
    after a run of three fillers (a chevron run cut into letters shows up here)."""
    return not re.search(r"<<<[^<]", field)


def format_problem(mrz: Mrz) -> str | None:
    """The first unprotected field that breaks ICAO 9303's format, or None. Names the
    field, never its value (personal data stays out of the logs)."""
    ls = mrz.lines
    if mrz.format == "TD3":
        code, state, nat, name = ls[0][0:2], ls[0][2:5], ls[1][10:13], ls[0][5:44]
        number, optional = ls[1][0:9], [ls[1][28:42]]
        allowed = "P"
    elif mrz.format == "TD1":
        code, state, nat, name = ls[0][0:2], ls[0][2:5], ls[1][15:18], ls[2]
        number, optional = ls[0][5:14], [ls[0][15:30], ls[1][18:29]]
        allowed = "IAC"
    else:  # TD2: not read off the camera; the parser's checks are all there is
        return None
    if code[0] not in allowed or not (code[1] == "<" or code[1].isalpha()):
        return "document_code"
    if not _state_ok(state):
        return "issuing_state"
    if not _state_ok(nat):
        return "nationality"
    # A name field of letters only, not one filler in it, is a filler run read as letters
    # (a real one holds at least the padding, or the << between the parts of the name).
    if not _NAME.match(name) or "<" not in name:
        return "name"
    if not _NUMBER.match(number):
        return "document_number"
    if not (_date_ok(mrz.birth_date) and _date_ok(mrz.expiry_date)):
        return "date"
    if not all(_optional_ok(f) for f in optional):
        return "optional_data"
    return None
