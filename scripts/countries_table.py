"""Writes kiosk/country_names.py: the ICAO 9303 three-letter codes of states and
organisations, in Chinese and English, from Debian's iso-codes (ISO 3166-1 alpha-3, which
ICAO uses for states) plus the codes only ICAO has (D for Germany, the British
nationality codes, UN documents, stateless and refugee codes).

    python3 scripts/countries_table.py   # needs the iso-codes package; run when it changes
"""

from __future__ import annotations

import gettext
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISO = Path("/usr/share/iso-codes/json/iso_3166-1.json")

# The names a Chinese government hall uses, where ISO's differ.
OVERRIDES = {
    "HKG": ("中国香港", "Hong Kong, China"),
    "MAC": ("中国澳门", "Macao, China"),
    "TWN": ("中国台湾", "Taiwan, China"),
    "BOL": ("玻利维亚", "Bolivia"),
    "KOR": ("韩国", "South Korea"),
    "PRK": ("朝鲜", "North Korea"),
    "GBR": ("英国", "United Kingdom"),
}

# ICAO 9303 Part 3: codes that are not ISO 3166-1 states.
ICAO_ONLY = {
    "D": ("德国", "Germany"),
    "GBD": ("英国（海外领土公民）", "British Overseas Territories Citizen"),
    "GBN": ("英国（海外国民）", "British National (Overseas)"),
    "GBO": ("英国（海外公民）", "British Overseas Citizen"),
    "GBP": ("英国（受保护人）", "British Protected Person"),
    "GBS": ("英国（臣民）", "British Subject"),
    "EUE": ("欧盟", "European Union"),
    "UNO": ("联合国", "United Nations"),
    "UNA": ("联合国专门机构", "United Nations specialized agency"),
    "UNK": ("科索沃（联合国临时行政当局）", "Kosovo (UN Interim Administration)"),
    "RKS": ("科索沃", "Kosovo"),
    "XBA": ("亚洲开发银行", "Asian Development Bank"),
    "XIM": ("国际移民组织", "International Organization for Migration"),
    "XCC": ("加勒比共同体", "Caribbean Community"),
    "XCE": ("欧洲委员会", "Council of Europe"),
    "XEC": ("西非国家经济共同体", "Economic Community of West African States"),
    "XPO": ("国际刑警组织", "Interpol"),
    "XOM": ("马耳他骑士团", "Sovereign Military Order of Malta"),
    "XXA": ("无国籍人", "Stateless person"),
    "XXB": ("难民", "Refugee"),
    "XXC": ("难民（其他）", "Refugee (other)"),
    "XXX": ("国籍不明", "Unspecified nationality"),
}


def main() -> None:
    zh = gettext.translation("iso_3166-1", "/usr/share/locale", languages=["zh_CN"])
    rows: dict[str, tuple[str, str]] = {}
    for e in json.loads(ISO.read_text(encoding="utf-8"))["3166-1"]:
        en = e.get("common_name") or e["name"]
        rows[e["alpha_3"]] = (zh.gettext(en), en)
    rows.update(OVERRIDES)
    rows.update(ICAO_ONLY)
    lines = [
        '"""ICAO 9303 three-letter codes of states and organisations: (Chinese, English).',
        "",
        "Written by scripts/countries_table.py from Debian's iso-codes (ISO 3166-1 alpha-3)",
        'and ICAO 9303 Part 3\'s own codes; do not edit by hand."""',
        "",
        "# ruff: noqa: E501",
        "",
        "NAMES: dict[str, tuple[str, str]] = {",
    ]
    for code in sorted(rows):
        z, en = rows[code]
        lines.append(f"    {code!r}: ({z!r}, {en!r}),")
    lines.append("}")
    (ROOT / "kiosk" / "country_names.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} codes")


if __name__ == "__main__":
    main()
