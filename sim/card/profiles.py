"""The emulated cards: the ICAO specimen and the awkward cases the reader must handle."""

from __future__ import annotations

from dataclasses import dataclass

from sim.card.chip_crypto import check_digit


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str  # "emrtd" or "staff"
    mrz: tuple[str, ...] = ()
    document_number: str = ""
    birth_date: str = ""
    expiry_date: str = ""
    dg11_full_name: str | None = None  # in the holder's own script, ICAO '<<' separator
    dg11_personal_number: str | None = None
    face_bytes: int = 15_000
    face_seed: int = 1
    face_hue: tuple[int, int, int] = (224, 180, 150)
    face_person: str | None = None  # DG2 from sim/face's photo of this person (face match)
    tamper_dg1: tuple[str, ...] | None = None  # DG1 served instead of the signed one
    max_read: int | None = None  # largest Le the chip accepts (None: extended, 65536)
    uid: str = "08A1B2C3"  # what GET DATA FF CA answers (contactless chips: random-ish)


def _td3(code: str, state: str, names: str, number: str, nat: str, birth: str, sex: str,
         expiry: str, personal: str = "") -> tuple[str, str]:
    l1 = f"{code:<2}{state}{names}".ljust(44, "<")[:44].replace(" ", "<")
    num = number.ljust(9, "<")
    pers = personal.ljust(14, "<")
    pcd = "<" if set(pers) == {"<"} else check_digit(pers)
    body = (num + check_digit(num) + nat + birth + check_digit(birth) + sex + expiry
            + check_digit(expiry) + pers + pcd)
    composite = body[0:10] + body[13:20] + body[21:43]
    return l1, body + check_digit(composite)


SPECIMEN_MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1_MRZ = ("I<UTOD231458907<<<<<<<<<<<<<<<",
           "7408122F1204159UTO<<<<<<<<<<<6",
           "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
CHINESE_MRZ = _td3("P", "CHN", "ZHANG<<WEI", "E12345678", "CHN", "850315", "M", "330314",
                   "LMNKLMNKLMNK")
TAMPERED_MRZ = ("P<UTOERIKSEN<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<",
                SPECIMEN_MRZ[1])

_SPECIMEN = dict(kind="emrtd", mrz=SPECIMEN_MRZ, document_number="L898902C3",
                 birth_date="740812", expiry_date="120415")

PROFILES: dict[str, Profile] = {
    "specimen": Profile("specimen", **_SPECIMEN),  # type: ignore[arg-type]
    "chinese": Profile("chinese", kind="emrtd", mrz=CHINESE_MRZ, document_number="E12345678",
                       birth_date="850315", expiry_date="330314",
                       dg11_full_name="张<<伟", dg11_personal_number="110101198503150011",
                       face_bytes=9_000, face_seed=2, face_hue=(226, 190, 160)),
    # 张伟's passport with a real face in DG2 (sim/face's public-domain astronaut), for
    # the face match: the demo's face camera shows the same person turning her head.
    "chinese_face": Profile("chinese_face", kind="emrtd", mrz=CHINESE_MRZ,
                            document_number="E12345678", birth_date="850315",
                            expiry_date="330314", dg11_full_name="张<<伟",
                            dg11_personal_number="110101198503150011",
                            face_person="astronaut"),
    "td1": Profile("td1", kind="emrtd", mrz=TD1_MRZ, document_number="D23145890",
                   birth_date="740812", expiry_date="120415", face_bytes=7_000, face_seed=3),
    "tampered": Profile("tampered", tamper_dg1=TAMPERED_MRZ, **_SPECIMEN),  # type: ignore[arg-type]
    "short": Profile("short", max_read=100, **_SPECIMEN),  # type: ignore[arg-type]
    "staff": Profile("staff", kind="staff", uid="04112233445566"),
}


def get_profile(name: str, *, uid: str | None = None) -> Profile:
    if name not in PROFILES:
        raise KeyError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}")
    profile = PROFILES[name]
    if uid is not None:
        from dataclasses import replace

        profile = replace(profile, uid=uid.upper())
    return profile
