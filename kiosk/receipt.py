"""What the kiosk prints, as data: the filing receipt, the supplement receipt, the queue
ticket and the technician's status slip, in the visit's language (zh or en).

Each function returns a `devices.printer.Document`; how it becomes ESC/POS is the
printer's business. A receipt carries no personal data (no name, no ID number): the
tracking number and query code are the citizen's key, and the QR code holds the
tracking URL from the config, which phones open and the kiosk's own scanner reads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from devices.printer import (
    GLUE,
    Align,
    Barcode,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    QrCode,
    Rule,
    Text,
    TextSize,
)
from offline_queue.outbox import FiledSubmission

from .config import ReceiptSettings

# kiosk's {zh, en} Text, named apart from the printer's Text line used below.
from .strings import LANGUAGES, table
from .text import Text as Bilingual

log = logging.getLogger(__name__)

# The platform's timeline (platform-api.yaml Progress.status) along the usual way, in
# its own words (label.ps.*): what a receipt tells a citizen to expect.
TIMELINE_AHEAD = ("received", "accepted", "in_review", "completed")
PROGRESS_JOIN = " → "



class ReceiptDataError(ValueError):
    """What a receipt was to be composed from is malformed (logged without data)."""


def text_of(value: object, what: str) -> Bilingual:
    """The platform contract's Text object {zh, en}."""
    if (not isinstance(value, Mapping) or not isinstance(value.get("zh"), str)
            or not isinstance(value.get("en"), str)):
        raise ReceiptDataError(f"{what}: want a Text object with zh and en strings")
    return Bilingual(value["zh"], value["en"])


@dataclass(frozen=True)
class ServiceInfo:
    """What a receipt says about the service filed, from its catalog entry."""

    code: str
    name: Bilingual
    promised_days: int
    materials: Mapping[str, Bilingual] = field(default_factory=dict)
    department: Bilingual | None = None
    fee_cny: float = 0.0
    delivery: tuple[str, ...] = ()

    @classmethod
    def from_catalog(cls, entry: Mapping[str, Any]) -> ServiceInfo:
        """From one catalog `Service` (platform-api.yaml)."""
        try:
            code = entry["code"]
            days = entry["promised_days"]
            materials = {m["code"]: text_of(m["name"], "material name")
                         for m in entry.get("materials", [])}
        except (KeyError, TypeError) as exc:
            raise ReceiptDataError(f"catalog service entry is missing {exc}") from exc
        if not isinstance(code, str) or not isinstance(days, int) or days < 0:
            raise ReceiptDataError("catalog service entry: bad code or promised_days")
        fee = entry.get("fee_cny", 0)
        if isinstance(fee, bool) or not isinstance(fee, int | float) or fee < 0:
            raise ReceiptDataError("catalog service entry: bad fee_cny")
        delivery = entry.get("delivery") or []
        department = entry.get("department")
        return cls(code, text_of(entry.get("name"), "service name"), days, materials,
                   text_of(department, "department") if department is not None else None,
                   float(fee), tuple(d for d in delivery if isinstance(d, str)))


@dataclass(frozen=True)
class NextStep:
    """One line of "what comes next" (a label and its words), on paper and on screen."""

    key: str  # status | progress | department | promised | fee | delivery | bring
    label: str
    text: str


@dataclass(frozen=True)
class Place:
    """Where the receipt is printed: the hall's name and the kiosk's identity."""

    hall_name: Bilingual
    hall_code: str
    kiosk_id: str

    @property
    def terminal(self) -> str:
        return f"{self.hall_code}-{self.kiosk_id}"


@dataclass(frozen=True)
class QueueTicket:
    number: str  # e.g. "A023"
    area: Bilingual  # the counter group, e.g. 出入境 / Exit and entry
    people_ahead: int
    estimated_wait_min: int
    issued_at: datetime


@dataclass(frozen=True)
class DeviceLine:
    name: str  # "printer", "card reader", "camera", "platform link"
    state: str  # ok | degraded | offline | error
    code: str
    detail: str


@dataclass(frozen=True)
class StatusSlip:
    printed_at: datetime
    software_version: str
    devices: Sequence[DeviceLine]
    outbox_pending: int
    outbox_dead: int
    oldest_pending_age_s: int | None
    catalog_version: str | None = None
    notes: Sequence[str] = ()


def _words(lang: str) -> dict[str, str]:
    """The receipt's words in `lang`, from the string catalog (kiosk/strings, `paper.`)."""
    if lang not in LANGUAGES:
        raise ReceiptDataError(f"language must be one of {LANGUAGES}")
    return table(lang, "paper.")


# --- helpers ---------------------------------------------------------------------------


def tracking_url(settings: ReceiptSettings, tracking_no: str, query_code: str) -> str:
    """The QR payload: the configured URL with both values filled in, URL-encoded."""
    return (settings.tracking_url.replace("{tracking_no}", quote(tracking_no, safe=""))
            .replace("{query_code}", quote(query_code, safe="")))


def add_working_days(start: date, days: int) -> date:
    """Monday to Friday; public holidays are not known here, so the date is 'expected'."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _yuan(fee: float) -> str:
    return f"{fee:.0f}" if fee == int(fee) else f"{fee:.2f}"


def next_steps(service: ServiceInfo, *, delivery: str | None, filed_at: datetime,
               offline: bool, lang: str) -> tuple[NextStep, ...]:
    """What happens after filing, from the catalog entry and the delivery chosen: the
    status now, the platform's timeline ahead (its status words), the department, the
    time limit, the fee, how the result comes and what to bring. The receipt prints these
    and the receipt screen shows the same lines."""
    w = _words(lang)
    ps = table(lang, "label.ps.")
    if service.promised_days:
        due = add_working_days(filed_at.date(), service.promised_days)
        promise = w["promise"].format(days=service.promised_days, date=due.isoformat())
    else:
        promise = w["promise_0"]
    steps = [
        NextStep("status", w["status"], w["status_offline"] if offline else w["status_now"]),
        NextStep("progress", w["progress"],
                 PROGRESS_JOIN.join(ps[s] for s in TIMELINE_AHEAD)),
    ]
    department = service.department.get(lang) if service.department else ""
    if department:
        steps.append(NextStep("department", w["department"], department))
    steps += [
        NextStep("promised", w["promised"], promise),
        NextStep("fee", w["fee"], w["fee_amount"].format(fee=_yuan(service.fee_cny))
                 if service.fee_cny > 0 else w["fee_free"]),
    ]
    if delivery == "pickup":
        steps += [NextStep("delivery", w["delivery"], w["delivery_pickup"]),
                  NextStep("bring", w["bring"], w["bring_pickup"])]
    elif delivery == "mail":
        steps.append(NextStep("delivery", w["delivery"], w["delivery_mail"]))
    return tuple(steps)


def _step_lines(steps: Sequence[NextStep], lang: str) -> list[Block]:
    colon = "：" if lang == "zh" else ": "
    lines: list[Block] = []
    for s in steps:
        text = s.text
        if s.key == "progress":  # a status word is never broken across lines
            text = PROGRESS_JOIN.join(GLUE.join(word) if lang == "zh" else word
                                      for word in text.split(PROGRESS_JOIN))
        lines.append(Text(f"{s.label}{colon}{text}", bold=s.key == "promised"))
    return lines


def _parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ReceiptDataError("created_at is not an ISO 8601 time") from exc


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _header(w: dict[str, str], title: str, place: Place, lang: str) -> list[Block]:
    return [
        Text(w["banner"], align=Align.CENTER),
        Text(place.hall_name.get(lang), align=Align.CENTER),
        Feed(1),
        Text(w[title], size=TextSize.LARGE, bold=True, align=Align.CENTER),
        Rule(),
    ]


def _material_lines(w: dict[str, str], service: ServiceInfo, codes: Sequence[str],
                    lang: str) -> list[Block]:
    if not codes:
        return [Text("  " + w["none"])]
    lines: list[Block] = []
    for i, code in enumerate(codes, 1):
        name = service.materials.get(code)
        if name is None:
            log.warning("receipt_material_unknown material=%s service=%s", code, service.code)
        lines.append(Text(f"{i}. {name.get(lang) if name else code}"))
    return lines


def _key_block(w: dict[str, str], tracking_no: str, query_code: str) -> list[Block]:
    return [
        Text(w["tracking"], align=Align.CENTER),
        Text(tracking_no, size=TextSize.TALL, bold=True, align=Align.CENTER),
        Text(f"{w['query']}  {query_code}", size=TextSize.TALL, bold=True, align=Align.CENTER),
        Rule(),
    ]


def _footer(w: dict[str, str], settings: ReceiptSettings, tracking_no: str, query_code: str,
            offline: bool) -> list[Block]:
    blocks: list[Block] = [
        QrCode(tracking_url(settings, tracking_no, query_code), size=6),
        Text(w["scan"], align=Align.CENTER),
        Rule(),
        Text(w["hotline"].format(hotline=settings.hotline), bold=True),
    ]
    if offline:
        blocks.append(Text(w["offline"], bold=True))
    blocks += [Text(w["keep"]), Cut()]
    return blocks


# --- documents -------------------------------------------------------------------------


def filing_receipt(filed: FiledSubmission, service: ServiceInfo, place: Place,
                   settings: ReceiptSettings, *, materials: Sequence[str], offline: bool,
                   lang: str, delivery: str | None = None) -> Document:
    """The citizen's proof of filing and what comes next; `materials` are the codes of
    the papers received, `delivery` the way chosen for the result (pickup | mail)."""
    w = _words(lang)
    filed_at = _parse_time(filed.created_at)
    steps = next_steps(service, delivery=delivery, filed_at=filed_at, offline=offline,
                       lang=lang)
    blocks: list[Block] = [
        *_header(w, "filing", place, lang),
        Text(f"{w['service']}：" if lang == "zh" else f"{w['service']}:"),
        Text(service.name.get(lang), bold=True),
        Columns(w["filed_at"], _when(filed_at)),
        Columns(w["terminal"], place.terminal),
        Rule(),
        *_key_block(w, filed.tracking_no, filed.query_code),
        Text(w["materials"]),
        *_material_lines(w, service, materials, lang),
        Rule(),
        Text(w["next"], bold=True),
        *_step_lines(steps, lang),
        Rule(),
        # The status line above says "saved on this terminal"; once is enough.
        *_footer(w, settings, filed.tracking_no, filed.query_code, offline=False),
    ]
    return Document(tuple(blocks), lang, "filing-receipt")


def supplement_receipt(tracking_no: str, query_code: str, service: ServiceInfo, place: Place,
                       settings: ReceiptSettings, *, materials: Sequence[str],
                       received_at: datetime, offline: bool, lang: str) -> Document:
    """Papers added later to an application already filed (补正材料)."""
    w = _words(lang)
    blocks: list[Block] = [
        *_header(w, "supplement", place, lang),
        Text(f"{w['service']}：" if lang == "zh" else f"{w['service']}:"),
        Text(service.name.get(lang), bold=True),
        Columns(w["supplemented_at"], _when(received_at)),
        Columns(w["terminal"], place.terminal),
        Rule(),
        *_key_block(w, tracking_no, query_code),
        Text(w["supplemented"]),
        *_material_lines(w, service, materials, lang),
        Rule(),
        *_footer(w, settings, tracking_no, query_code, offline),
    ]
    return Document(tuple(blocks), lang, "supplement-receipt")


def queue_ticket(ticket: QueueTicket, place: Place, *, lang: str) -> Document:
    """Sends a citizen to the staffed windows; the barcode lets a window call it up."""
    w = _words(lang)
    if ticket.people_ahead < 0 or ticket.estimated_wait_min < 0:
        raise ReceiptDataError("queue ticket: negative people ahead or wait")
    blocks: list[Block] = [
        Text(place.hall_name.get(lang), bold=True, align=Align.CENTER),
        Text(w["ticket"], align=Align.CENTER),
        Feed(1),
        # A picture in the sans face: Font A's slashed zero reads like a Θ from afar.
        Text(ticket.number, size=TextSize.HUGE, bold=True, align=Align.CENTER, display=True),
        Feed(1),
        Text(w["ticket_area"], align=Align.CENTER),
        Text(ticket.area.get(lang), size=TextSize.LARGE, align=Align.CENTER),
        Rule(),
        Text(w["ahead"].format(n=ticket.people_ahead), bold=True, align=Align.CENTER),
        Text(w["wait"].format(m=ticket.estimated_wait_min), align=Align.CENTER),
        Columns(w["issued_at"], _when(ticket.issued_at)),
        Rule(),
        Barcode(ticket.number, height=56),
        Text(w["ticket_note"]),
        Cut(),
    ]
    return Document(tuple(blocks), lang, "queue-ticket")


def status_slip(slip: StatusSlip, place: Place, *, lang: str = "en") -> Document:
    """For the technician at the open kiosk: devices, outbox, versions."""
    w = _words(lang)
    devices = table(lang, "label.dev.")
    blocks: list[Block] = [
        Text(w["slip"], size=TextSize.TALL, bold=True, align=Align.CENTER),
        Text(place.hall_name.get(lang), align=Align.CENTER),
        Rule(),
        Columns(w["terminal"], place.terminal),
        Columns(w["time"], _when(slip.printed_at)),
        Columns(w["software"], slip.software_version),
    ]
    if slip.catalog_version:
        blocks.append(Columns(w["catalog"], slip.catalog_version))
    blocks.append(Rule())
    for device in slip.devices:
        # Words in the slip's language; a code without words (and its detail, the
        # device's own English) stays as the technician's clue.
        state = w.get(f"state.{device.state}", device.state)
        code = w.get(f"code.{device.code}")
        name = devices.get(device.name, device.name)
        if device.state == "ok":
            blocks.append(Columns(name, state))
            continue
        blocks.append(Columns(name, state, bold=True))
        if code or device.code not in ("", "-"):
            blocks.append(Text(f"  {code or device.code}"))
        if code is None and device.detail:
            blocks.append(Text(f"  {device.detail}"))
    oldest = ("-" if slip.oldest_pending_age_s is None
              else w["minutes"].format(m=slip.oldest_pending_age_s // 60))
    blocks += [
        Rule(),
        Columns(w["pending"], str(slip.outbox_pending)),
        Columns(w["dead"], str(slip.outbox_dead), bold=slip.outbox_dead > 0),
        Columns(w["oldest"], oldest),
    ]
    if slip.notes:
        blocks.append(Rule())
        blocks += [Text(note) for note in slip.notes]
    blocks.append(Cut())
    return Document(tuple(blocks), lang, "status-slip")
