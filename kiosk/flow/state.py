"""What the visit's flow publishes: immutable snapshots the UI shows, and nothing else.

`FlowState` names the screen, the visit's settings (language, larger text, contrast,
speech), what is busy, the message to show (a kiosk.strings key), the idle warning, what the
kiosk can do right now, and one view dataclass with what that screen shows. Snapshots
hold values, never live objects, so a stale one cannot change under the UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..receipt import NextStep
from ..runtime.assistance import StaffCall

# Availability lives in kiosk.health; re-exported here, where the UI and tests know it.
from ..runtime.health import CAPABILITY_NEEDS, DEVICES, Capability, DeviceLine  # noqa: F401
from ..text import Text


class Screen(StrEnum):
    ATTRACT = "attract"
    IDENTIFY = "identify"
    FACE = "face"  # face match: the live face against the document's photo (face.py)
    STAFF_SIGN_IN = "staff_sign_in"
    STAFF_MENU = "staff_menu"
    CHOOSE_SERVICE = "choose_service"
    SERVICE = "service"
    FORM = "form"
    MATERIALS = "materials"
    CAPTURE = "capture"
    REVIEW = "review"
    RECEIPT = "receipt"
    PROGRESS_LOOKUP = "progress_lookup"
    PROGRESS = "progress"
    TICKET = "ticket"
    MAINTENANCE = "maintenance"
    OUT_OF_SERVICE = "out_of_service"


@dataclass(frozen=True)
class Message:
    """A message key (kiosk.strings) with its parameters; `level` guides the colour."""

    key: str
    params: tuple[tuple[str, str], ...] = ()
    level: str = "info"  # info | warning | error

    def text(self, lang: str) -> str:
        from ..strings import text

        return text(self.key, lang, **dict(self.params))


def message(key: str, level: str = "info", **params: object) -> Message:
    return Message(key, tuple((k, str(v)) for k, v in params.items()), level)


@dataclass(frozen=True)
class CameraRequest:
    """What the camera is wanted for ("mrz", "page", "code", "face" or None; "face" is
    the face camera's preview, the document camera rests) and which screen
    visit asks it: a new key re-arms the camera feed (one MRZ / page / code per key)."""

    want: str | None = None
    key: tuple[object, ...] = ()
    shutter: int = 0  # grows with each tap on "take photo": capture the next frame as it is


# --- per-screen views --------------------------------------------------------------------


@dataclass(frozen=True)
class AttractView:
    hotline: str
    languages: tuple[str, ...] = ("zh", "en")


@dataclass(frozen=True)
class IdentitySummary:
    name: str
    document_number: str
    id_number: str
    birth_date: str
    nationality: str
    verified: bool  # the chip's passive authentication, or the SAM reader's
    passive_auth: str  # verified | failed | not_checked
    has_photo: bool
    source: str = "chip"  # chip | id_card
    id_type: str = "emrtd"  # emrtd | resident_id | foreign_permanent_resident | ...
    address: str = ""
    nation: str = ""
    valid_until: str = ""  # YYYY-MM-DD, or "" when long_term
    long_term: bool = False
    # The codes in words (kiosk/countries.py): "CHN" is shown as 中国 / China.
    nationality_name: Text = Text("", "")
    issuing_state: str = ""
    issuing_state_name: Text = Text("", "")


@dataclass(frozen=True)
class IdentifyView:
    mode: str  # "idcard": the ID card on the SAM reader; "camera": a passport's data page
    #            on the camera (MRZ, then the chip); "typed": the three MRZ fields
    reading: bool  # the chip is being read
    waiting_for_card: bool
    identity: IdentitySummary | None
    can_continue: bool
    assisted_by: str | None = None
    ways: tuple[str, ...] = ()  # the ways open now: idcard, camera, typed
    reading_idcard: bool = False  # an ID card was placed and is being read


@dataclass(frozen=True)
class FaceView:
    """The face step: the live preview with a guide, what to do now and how far along.

    `phase`: preparing (the document's photo is being read), look, turn, back (the
    head-turn challenge), retry (a try did not match; `tries_left` more), staff (the tries
    are used up: a staff member was called and may confirm in person), camera_offline
    (the face camera stopped; it resumes when it is back)."""

    phase: str
    direction: str  # left | right: the citizen's own, to turn towards
    progress: float  # 0..1 through the challenge
    hint: str | None  # a "face.hint.<key>" string key's last part, or None
    seconds_left: int
    tries_left: int
    staff_called: bool
    staff_present: bool  # an assisting staff member is signed in: confirm at once
    can_decline: bool  # the hall lets a citizen file without it (recorded "declined")


@dataclass(frozen=True)
class StaffSignInView:
    card_read: bool
    attempts_left: int
    offline: bool = False  # the platform is unreachable: maintain only, against the cache


@dataclass(frozen=True)
class StaffMenuView:
    name: str
    can_assist: bool
    can_maintain: bool
    staff_id: str = ""
    via: str = "platform"  # platform | offline | local (offline sign-ins: maintain only)


@dataclass(frozen=True)
class CategoryItem:
    code: str
    name: Text
    services: int


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: Text
    kiosk_filing: bool
    promised_days: int
    fee_cny: float


@dataclass(frozen=True)
class ChooseServiceView:
    categories: tuple[CategoryItem, ...]
    category: str | None
    query: str
    services: tuple[ServiceItem, ...]
    catalog_version: str | None


@dataclass(frozen=True)
class MaterialItem:
    code: str
    name: Text
    required: bool
    kind: str
    max_pages: int
    pages: int = 0
    skipped: bool = False


@dataclass(frozen=True)
class ServiceView:
    code: str
    name: Text
    department: Text
    steps: tuple[Text, ...]
    materials: tuple[MaterialItem, ...]
    fee_cny: float
    promised_days: int
    kiosk_filing: bool
    delivery: tuple[str, ...]
    go_instead: Text | None  # a service the kiosk cannot file: where to go
    can_take_ticket: bool
    # The category whose windows in this hall a ticket is for (a window-only service).
    ticket_category: Text | None = None


@dataclass(frozen=True)
class OptionItem:
    value: str
    label: Text


@dataclass(frozen=True)
class FieldView:
    field: str
    label: Text
    type: str
    required: bool
    value: str
    options: tuple[OptionItem, ...]
    max_length: int | None
    message: Message | None  # beside the field
    prefilled: bool  # taken from the chip or the ID card: read-only (set_field refuses it)


@dataclass(frozen=True)
class FormView:
    service: Text
    page: int
    pages: int
    fields: tuple[FieldView, ...]
    returning_to_review: bool


@dataclass(frozen=True)
class MaterialsView:
    service: Text
    items: tuple[MaterialItem, ...]
    can_continue: bool
    supplement: bool  # adding what a reviewer asked for, to an application filed before
    returning_to_review: bool
    missing: tuple[Text, ...] = ()  # required materials without a page: why "continue" waits


@dataclass(frozen=True)
class CaptureView:
    material: MaterialItem
    pages: int
    awaiting_page: bool  # the camera preview is live, auto-capture armed
    replacing: int | None  # retaking this page
    checking: int | None  # the page just captured, to look at
    can_add_page: bool
    can_skip: bool
    hint: str | None  # the camera's quality message key ("hold_still", ...)
    can_undo: bool = False  # a page was just deleted: "deleted · undo" puts it back


@dataclass(frozen=True)
class ReviewRow:
    field: str
    label: Text
    value: str  # as shown (a select's label in the visit's language)
    page: int  # the form page to edit it on
    locked: bool = False  # taken from the document: not edited here (staff can help)


@dataclass(frozen=True)
class ReviewView:
    identity: IdentitySummary | None
    service: Text
    fee_cny: float
    promised_days: int
    rows: tuple[ReviewRow, ...]
    materials: tuple[MaterialItem, ...]
    delivery_options: tuple[str, ...]
    delivery: str | None
    assisted_by: str | None
    problems: tuple[str, ...]  # field names / material codes still wrong
    problem_names: tuple[Text, ...] = ()  # the same in words (labels, material names)


@dataclass(frozen=True)
class ReceiptView:
    kind: str  # filing | supplement
    service: Text
    tracking_no: str
    query_code: str
    qr_text: str  # the receipt's QR payload: shown on screen when the printer failed
    printed: bool | None  # None while printing
    offline: bool
    can_reprint: bool
    next_steps: tuple[NextStep, ...] = ()  # what comes next (as printed on the receipt)


@dataclass(frozen=True)
class ProgressLookupView:
    scanning: bool


@dataclass(frozen=True)
class TimelineItem:
    at: str
    status: str
    note: Text | None


@dataclass(frozen=True)
class ProgressView:
    tracking_no: str
    service: Text | None
    status: str
    promised_by: str | None
    timeline: tuple[TimelineItem, ...]
    missing: tuple[MaterialItem, ...]
    can_supplement: bool


@dataclass(frozen=True)
class TicketInfo:
    number: str
    area: Text
    people_ahead: int
    estimated_wait_min: int
    printed: bool | None


@dataclass(frozen=True)
class TicketView:
    categories: tuple[CategoryItem, ...]
    preselected: str | None
    ticket: TicketInfo | None


@dataclass(frozen=True)
class DeadLine:
    """A submission the platform refused (422), as maintenance shows it: the platform's
    reason and the fields it named. `message` is the platform's own text: on screen for
    staff only, never logged (it may echo filed data)."""

    tracking_no: str
    service_code: str
    error: str
    fields: str  # "delivery: not_offered, form.x: required"
    message: str


@dataclass(frozen=True)
class QueueLine:
    pending: int
    dead: int
    acknowledged: int
    oldest_pending_age_s: int | None
    dead_letters: tuple[DeadLine, ...] = ()  # the newest few, with the platform's reason


@dataclass(frozen=True)
class DeviceReport:
    """One device on the maintenance screen: its status in words (`words`, from the
    string catalog by its code, else by its status) and when it was last heard of."""

    device: str
    status: str  # ok | degraded | offline | error | unknown
    words: Text
    checked: str  # "02:14:05", "" when never heard of
    code: str = ""  # shown (labelled) only when the catalog has no words for it
    level: str = "none"  # ok | warn | bad | none (no status yet, or not fitted here)


@dataclass(frozen=True)
class MaintenanceView:
    staff_name: str
    devices: tuple[DeviceReport, ...]
    queue: QueueLine | None
    catalog_version: str | None
    catalog_services: int
    staff_id: str = ""
    via: str = "platform"  # platform | offline | local
    terminal: str = ""  # kiosk id and hall, e.g. "K017 · BA01"
    version: str = ""  # the software's version


@dataclass(frozen=True)
class OutOfServiceView:
    """Nothing a citizen came for works (or the platform said so): the hotline, and for
    staff the devices that are down. Staff can still sign in with a card if the reader
    works."""

    hotline: str
    why: str  # commanded | nothing_useful
    missing: tuple[str, ...]  # devices down (codes, shown small for the technician)
    staff_possible: bool


View = (AttractView | IdentifyView | FaceView | StaffSignInView | StaffMenuView | ChooseServiceView
        | ServiceView | FormView | MaterialsView | CaptureView | ReviewView | ReceiptView
        | ProgressLookupView | ProgressView | TicketView | MaintenanceView
        | OutOfServiceView)


@dataclass(frozen=True)
class FlowState:
    screen: Screen
    view: View
    lang: str = "zh"
    large_text: bool = False
    high_contrast: bool = False
    speech: bool = False
    busy: str | None = None  # "reading_chip", "filing", "printing", ... (show a spinner)
    busy_stoppable: bool = False  # the wait can be stopped ("back": its late result is dropped)
    message: Message | None = None
    warning_left_s: int | None = None  # the "do you need more time?" prompt, counting down
    confirm_leave: bool = False  # "Leave this application?": leave_confirmed / _declined
    capabilities: tuple[Capability, ...] = ()
    visit_active: bool = False
    staff_signed_in: bool = False
    exit_requested: bool = False  # leave the application: see exit_code
    exit_code: int = 0  # 77 a maintainer left on purpose; 75 restart (platform command)
    visit: int = 0  # counts visits; a UI may drop caches when it changes
    camera: CameraRequest = CameraRequest()  # what the camera feed should look for
    staff_call: StaffCall | None = None  # a staff member was called and is on the way
    # The frame around every visit screen (wayfinding.py): "step N of len(steps)" with the
    # steps' names (kiosk.strings "label.step.<name>"), and the help overlay's topic.
    step: int = 0  # 1-based; 0: this screen is not a step of a visit
    steps: tuple[str, ...] = ()
    help_topic: str = "default"
    hotline: str = ""  # the hall's phone number, in the frame and the help

    @property
    def instruction_key(self) -> str:
        """The screen's instruction (shown, and read aloud when speech is on)."""
        if self.screen == Screen.RECEIPT and getattr(self.view, "printed", None) is False:
            return "screen.receipt_on_screen"  # not "take your receipt": there is none
        if self.screen == Screen.TICKET and getattr(self.view, "ticket", None) is not None:
            return "screen.ticket_taken"  # the choice is made: take the ticket
        if self.screen == Screen.CAPTURE and getattr(self.view, "awaiting_page", True) is False:
            return "screen.capture_check"  # the page taken: look at it (said once, here)
        if self.screen == Screen.IDENTIFY:
            identity = getattr(self.view, "identity", None)
            if identity is not None:  # the document was read: check and confirm
                return ("screen.identify_confirm_card" if identity.source == "id_card"
                        else "screen.identify_confirm")
            if getattr(self.view, "mode", "") == "typed":
                return "screen.identify_typed"  # no camera: "place it face down" misleads
            if getattr(self.view, "mode", "") == "idcard":
                return "screen.identify_idcard"  # the card on the reader, not the camera
        if self.screen == Screen.FACE:
            phase = getattr(self.view, "phase", "")
            if phase in ("turn", "back", "retry", "staff", "camera_offline"):
                return f"screen.face_{phase}"
        return f"screen.{self.screen.value}"

    def capability(self, name: str) -> Capability:
        return next(c for c in self.capabilities if c.name == name)
