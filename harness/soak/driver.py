"""The soak run's hands on the kiosk: `Driver` and the pieces visits are made of.

`Driver` runs on the flow's thread (the soak's main thread): it calls intents, runs what
background threads posted, and waits (always bounded) for the flow to get somewhere. A
visit (kiosk/soak_visits.py) that cannot go on raises `VisitEnd`; its reason names a step
and a message key, never anything personal.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk.app import Kiosk
from kiosk.flow import Flow
from kiosk.flow.state import FlowState, Screen
from offline_queue.resident_id import synthetic_id_number
from sim.idcard import sample_cards

from .camera import SoakCamera
from .watch import CrashWatch
from .world import PASSPORT_KEY, STAFF_PIN, CardSlot, SoakWorld

log = logging.getLogger(__name__)

HOME = (Screen.ATTRACT, getattr(Screen, "OUT_OF_SERVICE", Screen.ATTRACT))
STEPS = ("identify", "choose", "form", "materials", "review")
# What a citizen types, by field name (the simulator's catalog); by type otherwise.
VALUES = {"full_name": "张伟", "mobile": "13912345678", "work_phone": "0571-87654321",
          "home_address": "杭州市上城区解放路1号", "mailing_address": "杭州市西湖区文三路90号",
          "household_size": "3", "annual_income": "86000", "reason": "个人事务",
          "employer": "杭州某某科技有限公司", "postal_code": "310000",
          "start_date": "2026-01-05", "birth_date": "1985-03-15", "travel_purpose": "tourism"}
BY_TYPE = {"text": "测试", "address": "杭州市上城区解放路1号", "number": "2",
           "date": "2026-02-01", "phone": "13912345678"}
TYPOS = {"phone": "1391234", "date": "2026-13-01", "number": "二", "id_number": "1101011985"}


class VisitEnd(Exception):
    """The visit ended before its script did: outcome and a reason for the report."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason


# The cards citizens lay on the ID card reader (sim.idcard's made-up holders).
IDCARD_MIX = {"resident": 70, "resident_long_term": 10, "hmt_residence": 8, "foreign_2017": 4,
              "foreign_2023": 4, "resident_expired": 4}


@dataclass
class Filed:
    """A filing receipt the soak saw (kept to look its progress up later)."""

    tracking_no: str
    query_code: str
    qr_text: str
    service_code: str
    offline: bool
    printed: bool | None


@dataclass
class Plan:
    """One visit's script: what the citizen came for and what goes wrong on the way."""

    kind: str
    abandon_at: str | None = None  # a STEPS entry
    abandon_how: str = "cancel"  # cancel | idle
    card_pull: bool = False  # the card leaves the reader mid-read
    card_late: bool = False  # the document reaches the reader only when asked for
    bad_input: bool = False  # a typo, a wrong PIN, an odd QR code first


@dataclass
class Stats:
    outcomes: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    kind_outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    parts_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    parts_n: Counter[str] = field(default_factory=Counter)
    kind_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    receipts: Counter[str] = field(default_factory=Counter)  # printed | on_screen
    supplements: int = 0
    tickets: int = 0
    checks_failed: Counter[str] = field(default_factory=Counter)
    face: Counter[str] = field(default_factory=Counter)  # "filed:match", "tries:retry", ...


class Driver:
    """The soak's hands on the kiosk; runs on the flow's thread."""

    def __init__(self, kiosk: Kiosk, posts: queue.Queue[Callable[[], None]], camera: SoakCamera,
                 world: SoakWorld, rng: random.Random, watch: CrashWatch, *,
                 busy_limit_s: float = 30.0) -> None:
        self.kiosk = kiosk
        self.flow: Flow = kiosk.flow
        self.posts = posts
        self.camera = camera
        self.world = world
        self.card: CardSlot = world.card
        self.rng = rng
        self.watch = watch
        self.busy_limit_s = busy_limit_s
        self.stats = Stats()
        self.filed: list[Filed] = []
        self._supplemented: set[str] = set()
        self._busy: tuple[str, int, float] | None = None
        self._stuck_reported: tuple[str, int] | None = None
        self._services: list[Any] | None = None
        self._catalog_version: str | None = None
        self._ids = random.Random(rng.random())
        self._cards = sample_cards()

    # ---- waiting ----------------------------------------------------------------------

    @property
    def state(self) -> FlowState:
        return self.flow.state

    def pump(self, timeout_s: float) -> int:
        """Run what background threads posted to the flow's thread, for up to timeout_s."""
        n = 0
        try:
            callback = self.posts.get(timeout=max(timeout_s, 0.0))
        except queue.Empty:
            return 0
        while True:
            try:
                callback()
            except Exception as exc:  # the flow's intents never raise; anything else is a bug
                self.watch.add("callback", "flow-thread", type(exc).__name__)
            n += 1
            try:
                callback = self.posts.get_nowait()
            except queue.Empty:
                return n

    def wait(self, ok: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while True:
            if ok():
                return True
            now = time.monotonic()
            self._check_busy(now)
            if now >= deadline:
                return False
            self.pump(min(0.02, deadline - now))

    def idle(self, timeout_s: float = 10.0) -> bool:
        return self.wait(lambda: self.state.busy is None, timeout_s)

    def _check_busy(self, now: float) -> None:
        busy = self.state.busy
        if busy is None:
            self._busy = None
            return
        key = (busy, self.state.visit)
        if self._busy is None or self._busy[:2] != key:
            self._busy = (*key, now)
        elif now - self._busy[2] > self.busy_limit_s and self._stuck_reported != key:
            self._stuck_reported = key
            self.watch.add("stuck_busy", self.state.screen.value, busy)

    @contextlib.contextmanager
    def part(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stats.parts_s[name] += time.perf_counter() - t0
            self.stats.parts_n[name] += 1

    def message_key(self) -> str:
        m = self.state.message
        return m.key if m is not None else "-"

    def expect(self, screen: Screen, step: str) -> None:
        if self.state.screen != screen:
            outcome = "interrupted"
            if self.state.screen in HOME:
                outcome = "refused" if step.startswith("start") else "interrupted"
            raise VisitEnd(outcome, f"{step}:{self.state.screen.value}:{self.message_key()}")

    def view(self, name: str, default: Any = None) -> Any:  # noqa: ANN401 - a view's field
        return getattr(self.state.view, name, default)

    # ---- leaving, on purpose or not ------------------------------------------------------

    def maybe_abandon(self, plan: Plan, step: str) -> None:
        if plan.abandon_at != step:
            return
        f = self.flow
        if plan.abandon_how == "idle":
            limit = f.settings.idle_limit(self.state.screen) or 0.0
            # First the "do you need more time?" prompt, answered; then nobody answers.
            f.tick(time.monotonic() + limit - f.settings.warning_s / 2)
            if self.state.warning_left_s is None:
                self.stats.checks_failed["idle_warning_not_shown"] += 1
            f.more_time()
            if self.state.warning_left_s is not None:
                self.stats.checks_failed["more_time_ignored"] += 1
            f.tick(time.monotonic() + limit + 1)
            if self.state.screen not in HOME:
                self.stats.checks_failed["idle_timeout_ignored"] += 1
            raise VisitEnd("timed_out", f"idle@{step}")
        f.cancel()
        if self.state.confirm_leave:  # "Leave this application?": yes, erase my details
            f.leave_confirmed()
        raise VisitEnd("abandoned", f"cancel@{step}")

    def home(self, timeout_s: float = 10.0) -> bool:
        """Back to attract (or out of service) however the visit ended; wiped."""
        self.camera.clear()
        f = self.flow
        deadline = time.monotonic() + timeout_s
        while self.state.screen not in HOME:
            if self.state.busy == "filing":  # a commit is never dropped: wait for it
                self.idle(max(0.0, deadline - time.monotonic()))
            f.cancel()
            f.leave_confirmed()  # answers "Leave this application?" when it is asked
            if self.wait(lambda: self.state.screen in HOME, 0.5):
                break
            if time.monotonic() >= deadline:
                self.watch.add("no_attract", self.state.screen.value, self.state.busy or "-")
                return False
        session = f.session
        if session.identity is not None or session.staff is not None or session.pages:
            self.watch.add("no_attract", "wipe", "session_not_wiped")
        return True

    # ---- pieces of visits ------------------------------------------------------------------

    def filing_services(self) -> list[Any]:
        catalog = self.kiosk.store.catalog
        if catalog is None:
            return []
        if catalog.version != self._catalog_version:
            # Kiosk-filable, at most two required materials: a visit takes seconds, not minutes.
            self._services = [s for s in catalog.services if s.kiosk_filing and s.materials
                              and sum(m.required for m in s.materials) <= 2]
            self._catalog_version = catalog.version
        return self._services or []

    def identify_idcard(self, plan: Plan) -> None:
        """The citizen lays an ID card on the SAM reader and takes it back once read."""
        f, reader = self.flow, self.world.idcard
        if self.view("mode") != "idcard":
            if "idcard" not in self.view("ways", ()):
                raise VisitEnd("interrupted", "identify:no_idcard_reader")
            f.use_idcard()
        name = self.rng.choices(list(IDCARD_MIX), list(IDCARD_MIX.values()))[0]
        reader.place(self._cards[name])
        try:
            with self.part("idcard"):
                self.wait(lambda: self.view("identity") is not None
                          or self.state.screen != Screen.IDENTIFY
                          or self.message_key() in ("identify.card_expired",
                                                    "identify.idcard_read_failed"), 8.0)
        finally:
            reader.remove()
        if name == "resident_expired" and self.view("identity") is not None:
            self.stats.checks_failed["expired_card_accepted"] += 1
        if self.view("identity") is None:
            self.expect(Screen.IDENTIFY, "identify_idcard")
            raise VisitEnd("interrupted", f"identify_idcard:{self.message_key()}")

    def identify(self, plan: Plan, typed: bool) -> None:
        f = self.flow
        if self.view("mode") == "idcard":
            f.use_passport()  # this citizen brought a passport
        if plan.card_late:
            self.card.remove()
            # pcscd must see the reader empty first, or it never notices the card coming
            self.wait(lambda: not self.card.present(), 2.0)
        if plan.card_pull:
            self.card.pull_after(self.rng.randint(1, 6))  # a read takes about 8
        read = False
        if not typed:
            self.camera.show_passport()
            with self.part("mrz"):
                read = self.wait(lambda: self.state.busy == "reading_chip"
                                 or self.view("identity") is not None
                                 or self.state.screen != Screen.IDENTIFY
                                 or self.state.message is not None, 3.0)
            self.camera.clear()
        if not read and self.state.screen == Screen.IDENTIFY and self.state.busy is None:
            f.use_typed_mrz()  # no MRZ from the camera: the citizen types it
            if plan.bad_input:
                f.mrz_typed(PASSPORT_KEY[0], "851315", PASSPORT_KEY[2])
                if not self.message_key().startswith("identify.bad_"):
                    self.stats.checks_failed["typo_accepted:birth_date"] += 1
            f.mrz_typed(*PASSPORT_KEY)
        with self.part("chip"):
            self.wait(lambda: self.state.busy is None, 12.0)
        if plan.card_late and self.view("waiting_for_card"):
            self.card.insert()  # "place your document on the reader": here it is
            with self.part("chip_late"):
                self.wait(lambda: self.view("identity") is not None
                          or self.state.screen != Screen.IDENTIFY
                          or (self.state.busy is None and not self.view("waiting_for_card")),
                          10.0)
                self.idle(12.0)
        if self.view("identity") is None:
            self.expect(Screen.IDENTIFY, "identify")
            raise VisitEnd("interrupted", f"identify:{self.message_key()}")

    def fill_form(self, plan: Plan) -> None:
        f = self.flow
        for _ in range(12):
            if self.state.screen != Screen.FORM:
                return
            page = self.view("page")
            for fv in self.view("fields", ()):
                want = self._value(fv)
                if fv.value == want or (fv.prefilled and fv.message is None):
                    continue
                if not fv.required and fv.value == "" and self.rng.random() < 0.5:
                    continue
                if plan.bad_input and fv.type in TYPOS:
                    f.set_field(fv.field, TYPOS[fv.type])
                f.set_field(fv.field, want)
            f.next_page()
            if self.state.screen == Screen.FORM and self.view("page") == page:
                raise VisitEnd("interrupted", f"form:{self.message_key()}")
        raise VisitEnd("interrupted", "form:too_many_pages")

    def _value(self, fv: Any) -> str:  # noqa: ANN401 - a FieldView
        if fv.type == "id_number":
            return fv.value if fv.value and fv.message is None else synthetic_id_number(
                self._ids, born=date(1985, 3, 15))
        if fv.type == "select":
            values = [o.value for o in fv.options]
            wanted = VALUES.get(fv.field)
            return wanted if wanted in values else (values[0] if values else "")
        value = VALUES.get(fv.field) or BY_TYPE.get(fv.type, "测试")
        return value[:fv.max_length] if fv.max_length else value

    def capture(self, code: str, *, extra: bool) -> None:
        """Open a material, lay pages under the camera until it is captured, done."""
        f = self.flow
        f.open_material(code)
        self.expect(Screen.CAPTURE, f"open_material:{code}")
        self._one_page("page")
        if extra and self.rng.random() < 0.5:
            f.retake(0)  # "that one is blurred": again
            self._one_page("retake")
        elif extra and (self.view("can_add_page") or False):
            f.add_page()
            self._one_page("page")
        f.material_done()
        self.camera.clear()
        self.expect(Screen.MATERIALS, "material_done")

    def _one_page(self, part: str) -> None:
        self.camera.show_page()
        with self.part(part):
            ok = self.wait(lambda: self.view("checking") is not None
                           or self.state.screen != Screen.CAPTURE, 6.0)
        if not ok or self.state.screen != Screen.CAPTURE:
            self.camera.clear()
            raise VisitEnd("interrupted", f"capture:{self.message_key()}")

    def materials(self, plan: Plan, supplement: bool = False) -> None:
        f = self.flow
        for item in self.view("items", ()):
            if item.pages or item.skipped:
                continue
            if item.required or self.rng.random() < 0.2:
                self.capture(item.code, extra=plan.bad_input or self.rng.random() < 0.1)
            elif not supplement and self.rng.random() < 0.5:
                f.skip_material(item.code)
        f.materials_done()

    def face_check(self, plan: Plan) -> None:
        """The face step: the citizen looks and turns as the face camera's feed does; a
        failed try is tried again, the staff call answered by 李强's card and PIN, a face
        camera gone is passed by."""
        f = self.flow
        for _ in range(6):
            with self.part("face"):
                self.wait(lambda: self.state.screen != Screen.FACE
                          or self.view("phase") in ("retry", "staff", "camera_offline"), 45.0)
            if self.state.screen != Screen.FACE:
                break
            phase = self.view("phase")
            self.stats.face[f"tries:{phase}"] += 1
            if phase == "retry":
                f.retry_face()
            elif phase == "camera_offline":
                f.skip_face()
            elif phase == "staff":
                f.confirm_face_in_person()
                f.read_staff_card()
                self.idle(5.0)
                f.pin_entered(STAFF_PIN)
                self.idle(5.0)
            else:
                break
        if self.state.screen == Screen.FACE:
            raise VisitEnd("interrupted", f"face:{self.view('phase')}:{self.message_key()}")
        match = self.flow.session.face_match or {}
        self.stats.face[f"decided:{match.get('result')}:{match.get('not_done_reason', '-')}"] += 1

    def staff_sign_in(self, plan: Plan) -> None:
        f = self.flow
        f.open_staff_sign_in()
        self.expect(Screen.STAFF_SIGN_IN, "start_staff")
        f.read_staff_card()
        self.idle(5.0)
        if not self.view("card_read"):
            raise VisitEnd("interrupted", f"staff_card:{self.message_key()}")
        if plan.bad_input:
            f.pin_entered("000000")
            self.idle(5.0)
            if self.message_key() not in ("staff.bad_credentials", "staff.sign_in_failed",
                                          "platform.unreachable",  # a platform fault
                                          "staff.offline_locked",  # offline: rate limited
                                          "staff.offline_unknown_card"):
                self.stats.checks_failed["wrong_pin_not_refused"] += 1
            self.expect(Screen.STAFF_SIGN_IN, "staff_wrong_pin")
        f.pin_entered(STAFF_PIN)
        self.idle(5.0)
        if self.state.screen == Screen.MAINTENANCE and self.view("via") != "platform":
            return  # the platform is down: an offline sign-in, maintenance only
        self.expect(Screen.STAFF_MENU, "staff_pin")

    def finish(self, part: str) -> str:
        self.idle(10.0)
        self.flow.finish()
        if self.state.screen not in HOME:
            raise VisitEnd("interrupted", f"{part}_finish:{self.state.screen.value}")
        return "completed"

    def receipt(self, service_code: str, kind: str) -> str:
        with self.part("print"):
            self.wait(lambda: self.state.busy is None
                      and self.view("printed", False) is not None, 15.0)
        v = self.state.view
        printed = getattr(v, "printed", None)
        self.stats.receipts["printed" if printed else "on_screen"] += 1
        if kind == "filing":
            self.filed.append(Filed(v.tracking_no, v.query_code, v.qr_text, service_code,
                                    v.offline, printed))
        return self.finish(kind)

    def earlier_filing(self, *, acknowledged: bool, exclude: set[str] | None = None
                       ) -> Filed | None:
        """A receipt from an earlier visit, preferably one the platform already has."""
        pool = [x for x in self.filed[-300:] if not exclude or x.tracking_no not in exclude]
        self.rng.shuffle(pool)
        for item in pool[:8]:
            if not acknowledged:
                return item
            try:
                if self.kiosk.outbox.find(item.tracking_no).state == "acknowledged":
                    return item
            except Exception:  # unknown here: not a candidate
                continue
        return None
