"""The soak run's citizens and staff: scripted visits through the Flow's intents, and
the mix they come in. Each returns how the visit ended, or raises `VisitEnd`."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.flow.state import Screen

from .driver import HOME, Driver, Plan, VisitEnd


def visit_filing(d: Driver, plan: Plan) -> str:
    f = d.flow
    typed = plan.kind == "file_typed"
    if plan.kind == "file_assisted":
        d.staff_sign_in(plan)
        f.staff_assist()
    else:
        d.wait(f.ready_to_file, 0.5)
        f.start_filing()
    d.expect(Screen.IDENTIFY, "start_filing")
    if plan.kind == "file_idcard":
        d.identify_idcard(plan)
    else:
        d.identify(plan, typed)
    d.maybe_abandon(plan, "identify")
    f.confirm_identity()
    if d.state.screen == Screen.FACE:
        d.face_check(plan)
    d.expect(Screen.CHOOSE_SERVICE, "confirm_identity")
    services = d.filing_services()
    if not services:
        raise VisitEnd("interrupted", "choose:no_catalog")
    service = d.rng.choice(services)
    if d.rng.random() < 0.5:
        f.choose_category(service.category)
    else:
        f.search(service.name.zh[:2])
    d.maybe_abandon(plan, "choose")
    f.choose_service(service.code)
    d.expect(Screen.SERVICE, "choose_service")
    f.start_form()
    d.maybe_abandon(plan, "form")
    d.fill_form(plan)
    if d.state.screen == Screen.MATERIALS:
        d.maybe_abandon(plan, "materials")
        d.materials(plan)
    d.expect(Screen.REVIEW, "materials_done")
    options = d.view("delivery_options", ())
    if options and d.rng.random() < 0.3:
        f.set_delivery(d.rng.choice(options))
    d.maybe_abandon(plan, "review")
    f.submit()
    with d.part("commit"):
        d.wait(lambda: d.state.busy != "filing", 15.0)
    d.expect(Screen.RECEIPT, "submit")
    return d.receipt(service.code, "filing")


def visit_ticket(d: Driver, plan: Plan) -> str:
    f = d.flow
    f.open_ticket()
    d.expect(Screen.TICKET, "start_ticket")
    categories = d.view("categories", ())
    if not categories:
        raise VisitEnd("interrupted", "ticket:no_categories")
    f.pick_ticket_category(d.rng.choice(categories).code)
    with d.part("ticket"):
        d.wait(lambda: d.state.busy is None and (d.view("ticket") is not None
                                                 or d.state.message is not None), 10.0)
        d.idle(10.0)
    if d.view("ticket") is None:
        raise VisitEnd("interrupted", f"ticket:{d.message_key()}")
    d.stats.tickets += 1
    return d.finish("ticket")


def visit_progress(d: Driver, plan: Plan) -> str:
    f = d.flow
    supplement = plan.kind == "supplement"
    earlier = d.earlier_filing(acknowledged=True,
                               exclude=d._supplemented if supplement else None)
    if earlier is None:
        raise VisitEnd("refused", "progress:nothing_filed_yet")
    missing: list[str] = []
    if supplement:
        service = d.kiosk.store.catalog.service(earlier.service_code) \
            if d.kiosk.store.catalog else None
        if service is None or not service.materials:
            raise VisitEnd("refused", "supplement:no_service")
        missing = [service.materials[0].code]
        try:  # the reviewer at the platform asks for one more paper
            d.world.force_status(earlier.tracking_no, "needs_materials", missing)
        except OSError:
            raise VisitEnd("refused", "supplement:platform_control") from None
        d._supplemented.add(earlier.tracking_no)
    f.open_progress()
    d.expect(Screen.PROGRESS_LOOKUP, "start_progress")
    with d.part("progress"):
        scanned = False
        if not d.camera.is_offline and d.rng.random() < 0.85:
            if plan.bad_input:
                d.camera.show_receipt("KIOSK1:APP:7Q2W:123456789")  # someone else's code
                d.wait(lambda: d.state.message is not None, 3.0)
                if d.message_key() != "progress.bad_code":
                    d.stats.checks_failed["odd_qr_accepted"] += 1
            else:
                d.camera.show_receipt(earlier.qr_text)
                scanned = d.wait(lambda: d.state.busy is not None
                                 or d.state.screen != Screen.PROGRESS_LOOKUP
                                 or d.state.message is not None, 3.0)
            d.camera.clear()
        if not scanned and d.state.screen == Screen.PROGRESS_LOOKUP and d.state.busy is None:
            f.progress_typed(earlier.tracking_no, earlier.query_code)
        d.idle(10.0)
    d.expect(Screen.PROGRESS, "progress_lookup")
    if not supplement:
        return d.finish("progress")
    if d.view("status") != "needs_materials":
        raise VisitEnd("interrupted", f"supplement:status_{d.view('status')}")
    f.start_supplement()
    d.expect(Screen.MATERIALS, "start_supplement")
    d.materials(plan, supplement=True)
    with d.part("supplement"):
        d.idle(15.0)
    d.expect(Screen.RECEIPT, "supplement_sent")
    d.stats.supplements += 1
    return d.receipt(earlier.service_code, "supplement")


def visit_maintenance(d: Driver, plan: Plan) -> str:
    f = d.flow
    d.staff_sign_in(plan)
    f.staff_maintain()
    d.expect(Screen.MAINTENANCE, "staff_maintain")
    d.idle(10.0)
    if d.view("queue") is None:
        d.stats.checks_failed["maintenance_no_queue"] += 1
    if d.rng.random() < 0.5:
        f.test_print()
        with d.part("print"):
            d.idle(15.0)
    if d.rng.random() < 0.3:
        f.reload_catalog()
        d.idle(10.0)
    f.back()
    if d.state.screen not in HOME:
        raise VisitEnd("interrupted", f"maintenance_back:{d.state.screen.value}")
    return "completed"


VISITS: dict[str, Callable[[Driver, Plan], str]] = {
    "file_idcard": visit_filing, "file_camera": visit_filing, "file_typed": visit_filing,
    "file_assisted": visit_filing,
    "ticket": visit_ticket, "progress": visit_progress, "supplement": visit_progress,
    "maintenance": visit_maintenance,
}
# The mix: mostly filings (a third of them left half-way; most with the resident ID card,
# as in a Shenzhen hall), then tickets and progress.
MIX = {"file_idcard": 28, "file_camera": 16, "file_typed": 5, "file_assisted": 3,
       "ticket": 22, "progress": 18, "supplement": 3, "maintenance": 6}
