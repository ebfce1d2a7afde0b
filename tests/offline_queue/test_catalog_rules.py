"""The one catalog check (offline_queue.catalog_rules): each rule refuses a submission
before it is committed, naming the field; loadtest goes through the same check."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from offline_queue import loadtest
from offline_queue.catalog_rules import CatalogViolation, catalog_problems
from offline_queue.outbox import NewAttachment, NewSubmission, Outbox
from offline_queue.resident_id import synthetic_id_number
from sim.platform import build_catalog

SERVICE: dict[str, Any] = {
    "code": "BA-WT-0031", "name": {"zh": "测试"}, "department": {"zh": "部门"},
    "category": "c1", "steps": [], "promised_days": 5, "kiosk_filing": True,
    "delivery": ["mail"],
    "materials": [
        {"code": "M01", "name": {"zh": "身份证"}, "required": True, "kind": "document",
         "max_pages": 2},
        {"code": "P01", "name": {"zh": "照片"}, "required": False, "kind": "photo",
         "max_pages": 1},
    ],
    "form": [
        {"field": "purpose", "label": {"zh": "事由"}, "type": "select", "required": True,
         "options": [{"value": "tourism", "label": {"zh": "旅游"}}]},
        {"field": "full_name", "label": {"zh": "姓名"}, "type": "text", "required": True,
         "max_length": 4},
        {"field": "household", "label": {"zh": "人数"}, "type": "number", "required": False},
        {"field": "born", "label": {"zh": "出生"}, "type": "date", "required": False},
        {"field": "mobile", "label": {"zh": "电话"}, "type": "phone", "required": False},
        {"field": "guardian_id", "label": {"zh": "证件"}, "type": "id_number",
         "required": False},
    ],
}

GOOD_ID = synthetic_id_number(random.Random(1))


def _good() -> NewSubmission:
    return NewSubmission(
        service_code="BA-WT-0031",
        applicant={"id_type": "resident_id", "id_number": GOOD_ID, "name": "测试",
                   "chip_verified": False},
        form={"purpose": "tourism", "full_name": "张三", "household": 3, "born": "1990-01-31",
              "mobile": "13800138000", "guardian_id": GOOD_ID},
        attachments=[NewAttachment("M01", b"\xff\xd8page1", "image/jpeg", pages=1)],
        delivery="mail")


def _with_form(**changes: Any) -> NewSubmission:
    sub = _good()
    return replace(sub, form={**sub.form, **changes})


CASES = [
    (replace(_good(), delivery="pickup"), "delivery", "not_offered"),
    (_with_form(purpose="smuggling"), "form.purpose", "not_an_option"),
    (_with_form(full_name=""), "form.full_name", "required"),
    (replace(_good(), form={"full_name": "张三"}), "form.purpose", "required"),
    (_with_form(full_name="一二三四五"), "form.full_name", "too_long"),
    (_with_form(household="three"), "form.household", "not_a_number"),
    (_with_form(household=True), "form.household", "not_a_number"),
    (_with_form(born="1990-02-30"), "form.born", "bad_date"),
    (_with_form(mobile="12345"), "form.mobile", "bad_phone"),
    (_with_form(guardian_id=GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")),
     "form.guardian_id", "bad_check_digit"),
    (_with_form(guardian_id=12), "form.guardian_id", "not_a_string"),
    (replace(_good(), attachments=[NewAttachment("X99", b"\xff\xd8x", "image/jpeg")]),
     "attachments[0].material_code", "unknown_material"),
    (replace(_good(), attachments=[]), "materials.M01", "required"),
    (replace(_good(), attachments=[NewAttachment("M01", b"\xff\xd8x", "image/jpeg", pages=3)]),
     "materials.M01", "too_many_pages"),
    (replace(_good(), attachments=[*_good().attachments,
                                   NewAttachment("P01", b"\xff\xd8a", "image/jpeg"),
                                   NewAttachment("P01", b"\xff\xd8b", "image/jpeg")]),
     "materials.P01", "too_many_pages"),
    (replace(_good(), service_code="BA-WT-0032"), "service_code", "not_this_service"),
]


def test_a_good_submission_passes_and_commits(outbox: Outbox) -> None:
    assert catalog_problems(SERVICE, _good()) == []
    outbox.commit(_good(), SERVICE)
    assert outbox.status().pending == 1


@pytest.mark.parametrize(("sub", "field", "code"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_each_rule_refuses_before_commit(outbox: Outbox, sub: NewSubmission, field: str,
                                         code: str) -> None:
    with pytest.raises(CatalogViolation) as refused:
        outbox.commit(sub, SERVICE)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert field in str(refused.value)
    assert outbox.status().pending == 0 and not list(outbox.items())


def test_service_not_kiosk_filable(outbox: Outbox) -> None:
    with pytest.raises(CatalogViolation) as refused:
        outbox.commit(_good(), {**SERVICE, "kiosk_filing": False})
    assert refused.value.field == "service_code" and refused.value.code == "not_kiosk_filable"


def test_all_problems_are_listed() -> None:
    sub = replace(_with_form(purpose="x", mobile="1"), delivery="pickup")
    fields = {p.field for p in catalog_problems(SERVICE, sub)}
    assert fields == {"form.purpose", "form.mobile", "delivery"}


def test_loadtest_files_only_what_the_catalog_allows(outbox: Outbox) -> None:
    catalog = build_catalog(5, 1)
    rng = random.Random(3)
    services = loadtest.fileable_services(catalog)
    assert any(s.get("delivery") == ["mail"] for s in services)
    for n, service in enumerate(services):
        sub = loadtest.synthetic_submission(service, rng, n)
        assert catalog_problems(service, sub) == [], service["code"]
        assert sub.applicant["verification"]["method"] in ("chip", "id_card_reader", "typed",
                                                           "staff")


@pytest.mark.parametrize(("sub", "field", "code"), CASES[:4], ids=[c[1] for c in CASES[:4]])
def test_loadtest_refuses_through_the_same_check(outbox: Outbox, monkeypatch: pytest.MonkeyPatch,
                                                 sub: NewSubmission, field: str,
                                                 code: str) -> None:
    monkeypatch.setattr(loadtest, "synthetic_submission", lambda *_: sub)
    catalog = {"version": "1", "categories": [], "services": [SERVICE]}
    with pytest.raises(CatalogViolation) as refused:
        list(loadtest.run_loadtest(outbox, catalog, 3, seed=1))
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not list(outbox.items())


class _Flaky:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def fetch_catalog(self, etag: str | None = None) -> Any:
        from offline_queue.client import CatalogReply, TransportError

        self.calls += 1
        if self.calls <= self.failures:
            raise TransportError("GET /catalog: dropped", code="connection_lost")
        return CatalogReply(True, '"e"', {"version": "2", "categories": [], "services": []})


def test_loadtest_catalog_fetch_is_retried(tmp_path: Any) -> None:
    flaky = _Flaky(failures=3)
    got = loadtest.load_catalog(flaky, tmp_path, sleep=lambda _s: None)  # type: ignore[arg-type]
    assert got["version"] == "2" and flaky.calls == 4


def test_loadtest_falls_back_to_the_cached_catalog(tmp_path: Any) -> None:
    import json

    from offline_queue.client import TransportError

    down = _Flaky(failures=99)
    with pytest.raises(TransportError):
        loadtest.load_catalog(down, tmp_path, sleep=lambda _s: None)  # type: ignore[arg-type]
    (tmp_path / "catalog.json").write_text(json.dumps(
        {"etag": '"c"', "fetched_at": 0, "catalog": {"version": "cached", "categories": [],
                                                      "services": []}}))
    got = loadtest.load_catalog(down, tmp_path, sleep=lambda _s: None)  # type: ignore[arg-type]
    assert got["version"] == "cached"
