"""Receipts composed by the kiosk, printed over TCP to the virtual printer and read back:
the QR code from the rendered PNG (zxing-cpp) and the text from the printer's decoder."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp

from devices.printer import Printer, Timeouts
from devices.printer.document import Barcode, Cut, QrCode
from kiosk.config import ReceiptSettings
from kiosk.receipt import (
    DeviceLine,
    Place,
    QueueTicket,
    ReceiptDataError,
    ServiceInfo,
    StatusSlip,
    add_working_days,
    filing_receipt,
    next_steps,
    queue_ticket,
    status_slip,
    supplement_receipt,
    tracking_url,
)
from kiosk.text import Text
from offline_queue.outbox import FiledSubmission
from sim.platform.catalog import build_catalog
from sim.printer import VirtualPrinter

SETTINGS = ReceiptSettings("https://zwfw.example.gov/track?no={tracking_no}&code={query_code}",
                           "0571-12345")
PLACE = Place(Text("杭州市民之家政务服务中心", "Hangzhou Citizens' Service Center"),
              "BA01", "K017")
FILED = FiledSubmission("5f0c", "BA01-K017-20250606-0042", "7KQ2MX", "CR-HZ-0001",
                        "2025-06-06T16:45:03+08:00")  # a Friday
# (profile, paper width in dots)
PROFILES = [("cn-80", 576), ("cn-58", 384), ("basic-80", 576), ("basic-58", 384)]


@pytest.fixture(scope="module")
def service() -> ServiceInfo:
    entry = next(s for s in build_catalog(3)["services"] if s["code"] == "CR-HZ-0001")
    return ServiceInfo.from_catalog(entry)


def print_and_read(doc, profile: str, width: int):
    with VirtualPrinter(width_dots=width) as vp:
        printer = Printer.from_url(vp.url, profile, timeouts=Timeouts(status_s=2.0))
        result = printer.print_document(doc)
        job = vp.wait_for_jobs(1)[0]
        assert job.complete and result.bytes_sent > 0
        return job


def qr_texts(job) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(job.image())
            if r.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize(("profile", "width"), PROFILES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_filing_receipt_qr_decodes_to_the_tracking_url(service, profile, width, lang):
    doc = filing_receipt(FILED, service, PLACE, SETTINGS, materials=["id_card_copy", "photo"],
                         offline=False, lang=lang)
    job = print_and_read(doc, profile, width)
    expected = tracking_url(SETTINGS, FILED.tracking_no, FILED.query_code)
    assert qr_texts(job) == [expected]
    query = parse_qs(urlsplit(expected).query)
    assert query == {"no": [FILED.tracking_no], "code": [FILED.query_code]}
    assert job.paper().unknown == []  # every command we sent is one the printer knows
    assert job.paper().cuts == (1 if profile.endswith("80") else 0)


@pytest.mark.parametrize("profile", ["cn-80", "cn-58"])
def test_chinese_text_reaches_the_printer_as_sent(service, profile):
    width = 576 if profile.endswith("80") else 384
    doc = filing_receipt(FILED, service, PLACE, SETTINGS,
                         materials=["id_card_copy", "photo", "household_register"],
                         offline=True, lang="zh", delivery="pickup")
    job = print_and_read(doc, profile, width)
    text = job.text.replace("\n", "")  # lines wrap on 58 mm
    flat = "".join(text.split())
    for expected in ("申请回执", "护照首次申领", "杭州市民之家政务服务中心",
                     "居民身份证复印件", "近期免冠证件照", "户口簿", FILED.tracking_no,
                     "查询码  7KQ2MX", "咨询电话：0571-12345",
                     # what comes next, from the catalog entry and the delivery chosen
                     "办理部门：市公安局出入境管理局", "费用：120元",
                     "领取方式：窗口领取", "领取时请带：本回执和本人身份证件",
                     "办理进度：已接收→已受理→审查中→已办结"):
        assert "".join(expected.split()) in flat, expected
    # Friday + 7 working days = the Tuesday after next.
    assert "承诺时限：7个工作日，预计2025-06-17前办结" in flat
    assert "已保存在本终端，网络恢复后将自动提交" in flat
    assert "受理回执" not in flat  # 已受理 comes after 已接收
    # no status word broken across two lines, no date split, no lone character at the end
    for word in ("已接收", "已受理", "审查中", "已办结"):
        assert any(word in line for line in job.text_lines), (word, job.text_lines)
    assert any("2025-06-17" in line for line in job.text_lines)
    assert all(len(line.rstrip("。，）")) > 1 for line in job.text_lines if line), job.text_lines


def test_english_receipt_text_and_offline_line(service):
    online = print_and_read(filing_receipt(FILED, service, PLACE, SETTINGS, materials=["photo"],
                                           offline=False, lang="en"), "cn-80", 576).text
    offline = print_and_read(filing_receipt(FILED, service, PLACE, SETTINGS, materials=["photo"],
                                            offline=True, lang="en"), "cn-80", 576).text
    online, offline = online.replace("\n", " "), offline.replace("\n", " ")
    for text in (online, offline):
        assert "Passport first application" in text
        assert "1. Recent ID photo" in text
        assert "Copy of resident ID card" not in text  # not received, not listed
        assert "expected to be completed by 2025-06-17" in text
        assert "Progress: Received → Accepted → Under review → Completed" in text
        assert "Fee: CNY 120;" in text
    assert "saved on this terminal" not in online
    assert "Status: Submitted, waiting for the platform to receive it" in online
    assert "saved on this terminal and sent automatically" in offline


def test_supplement_receipt(service):
    doc = supplement_receipt(FILED.tracking_no, FILED.query_code, service, PLACE, SETTINGS,
                             materials=["household_register"],
                             received_at=datetime(2025, 6, 9, 10, 5), offline=False, lang="zh")
    job = print_and_read(doc, "cn-58", 384)
    assert qr_texts(job) == [tracking_url(SETTINGS, FILED.tracking_no, FILED.query_code)]
    assert "补交材料回执" in job.text_lines
    assert "1. 户口簿" in job.text
    assert "2025-06-09 10:05" in job.text


@pytest.mark.parametrize(("profile", "width", "lang"),
                         [("cn-80", 576, "zh"), ("basic-58", 384, "en")])
def test_queue_ticket(profile, width, lang):
    ticket = QueueTicket("A023", Text("出入境业务", "Exit and entry"), people_ahead=7,
                         estimated_wait_min=25, issued_at=datetime(2025, 6, 6, 9, 12))
    job = print_and_read(queue_ticket(ticket, PLACE, lang=lang), profile, width)
    codes = zxingcpp.read_barcodes(job.image())
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.Code128, "A023")]
    # The number is drawn in the sans face (a plain zero, not Font A's slashed one): a
    # picture, so not among the printer's text lines; the barcode's text carries it.
    assert b"A023\n" not in job.data and b"{BA023" in job.data
    assert job.paper().unknown == []
    text = job.text.replace("\n", " ")
    if lang == "zh":
        assert "您前面还有 7 人" in text
        assert "业务类别" in job.text_lines and "出入境业务" in job.text_lines
        assert "请到屏上显示的窗口办理" in text.replace(" ", "")
    else:
        assert "7 people ahead of you" in text
        assert "Service category" in job.text_lines
        assert "go to the window it shows" in text


def test_status_slip_lists_devices_and_outbox():
    slip = StatusSlip(printed_at=datetime(2025, 6, 6, 23, 40), software_version="0.1.0",
                      devices=[DeviceLine("printer", "degraded", "paper_near_end",
                                          "paper roll near its end"),
                               DeviceLine("card reader", "ok", "ready", "")],
                      outbox_pending=3, outbox_dead=1, oldest_pending_age_s=1260,
                      catalog_version="sim-s3-r1")
    text = print_and_read(status_slip(slip, PLACE, lang="en"), "cn-80", 576).text
    assert "DEGRADED" not in text and "paper_near_end" not in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Printer Needs attention" in lines and "paper nearly out" in lines
    assert "card reader OK" in lines  # a name without words stays as given
    assert "21 min" in text
    assert "sim-s3-r1" in text


def test_status_slip_in_chinese_has_words_not_codes():
    slip = StatusSlip(printed_at=datetime(2025, 6, 6, 23, 40), software_version="0.1.0",
                      devices=[DeviceLine("printer", "degraded", "paper_near_end",
                                          "paper roll near its end"),
                               DeviceLine("platform", "offline", "unreachable", "no answer"),
                               DeviceLine("camera", "error", "brand_new_code", "odd thing"),
                               DeviceLine("card_reader", "ok", "ready", "")],
                      outbox_pending=0, outbox_dead=0, oldest_pending_age_s=None)
    job = print_and_read(status_slip(slip, PLACE, lang="zh"), "cn-58", 384)
    lines = [" ".join(line.split()) for line in job.text.splitlines()]
    for expected in ("打印机 需注意", "纸将用完", "政务平台 离线", "连接不上", "读卡器 正常"):
        assert expected in lines, (expected, lines)
    assert "paper roll near its end" not in job.text  # the device's English: not needed
    # a code the kiosk has no words for stays, with the device's detail, for the technician
    assert "摄像头 故障" in lines and "brand_new_code" in lines and "odd thing" in lines


def test_next_steps_follow_the_catalog_entry_and_the_delivery_chosen():
    free_mail = ServiceInfo("X-1", Text("甲", "A"), 0, {}, Text("某局", "Some bureau"), 0.0,
                            ("mail",))
    at = datetime(2025, 6, 6, 16, 45)
    zh = {s.key: s.text for s in next_steps(free_mail, delivery="mail", filed_at=at,
                                              offline=False, lang="zh")}
    en = {s.key: s.text for s in next_steps(free_mail, delivery="mail", filed_at=at,
                                              offline=False, lang="en")}
    assert zh.keys() == en.keys() == {"status", "progress", "department", "promised", "fee",
                                      "delivery"}  # nothing to bring for mail
    assert zh["fee"] == "免费" and en["fee"] == "Free"
    assert zh["promised"] == "当场办结" and en["promised"] == "Completed on the spot"
    assert zh["delivery"].startswith("邮寄") and en["delivery"].startswith("By mail")
    assert zh["department"] == "某局" and en["department"] == "Some bureau"
    paid = ServiceInfo("X-2", Text("乙", "B"), 3, {}, None, 12.5, ("pickup",))
    steps = {s.key: s.text for s in next_steps(paid, delivery="pickup", filed_at=at,
                                                 offline=True, lang="en")}
    assert "department" not in steps  # no department in the entry: none invented
    assert steps["fee"].startswith("CNY 12.50;")
    assert steps["promised"] == "3 working days; expected to be completed by 2025-06-11"
    assert steps["bring"] == "this receipt and your own ID document"
    assert steps["status"].startswith("Network down")


def test_tracking_url_encodes_its_values():
    url = tracking_url(SETTINGS, "BA01 K017/&x", "A+B=C")
    assert url == "https://zwfw.example.gov/track?no=BA01%20K017%2F%26x&code=A%2BB%3DC"
    assert parse_qs(urlsplit(url).query) == {"no": ["BA01 K017/&x"], "code": ["A+B=C"]}


def test_documents_end_with_a_cut_and_carry_no_personal_fields(service):
    doc = filing_receipt(FILED, service, PLACE, SETTINGS, materials=[], offline=False, lang="zh")
    assert isinstance(doc.blocks[-1], Cut)
    assert sum(isinstance(b, QrCode) for b in doc.blocks) == 1
    assert doc.title == "filing-receipt" and doc.language == "zh"
    ticket = queue_ticket(QueueTicket("B101", Text("社保", "Social security"), 0, 0,
                                      datetime(2025, 1, 1)), PLACE, lang="en")
    assert [b.data for b in ticket.blocks if isinstance(b, Barcode)] == ["B101"]


def test_bad_input_is_a_typed_error(service):
    with pytest.raises(ReceiptDataError):
        ServiceInfo.from_catalog({"code": "X", "name": "not a Text object", "promised_days": 3})
    with pytest.raises(ReceiptDataError):
        ServiceInfo.from_catalog({"name": {"zh": "甲", "en": "A"}})
    with pytest.raises(ReceiptDataError):
        ServiceInfo.from_catalog({"code": "X", "name": {"zh": "甲", "en": "A"},
                                  "promised_days": -1})
    with pytest.raises(ReceiptDataError):
        filing_receipt(FILED, service, PLACE, SETTINGS, materials=[], offline=False, lang="fr")
    bad_time = FiledSubmission("x", FILED.tracking_no, FILED.query_code, "CR-HZ-0001", "yesterday")
    with pytest.raises(ReceiptDataError):
        filing_receipt(bad_time, service, PLACE, SETTINGS, materials=[], offline=False, lang="en")
    with pytest.raises(ReceiptDataError):
        queue_ticket(QueueTicket("A1", Text("a", "a"), -1, 0, datetime(2025, 1, 1)), PLACE,
                     lang="zh")


def test_unknown_material_code_prints_the_code(service, caplog):
    doc = filing_receipt(FILED, service, PLACE, SETTINGS, materials=["mystery_form"],
                         offline=False, lang="en")
    assert any(getattr(b, "text", "") == "1. mystery_form" for b in doc.blocks)
    assert "mystery_form" in caplog.text


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2025, 6, 6), 7, date(2025, 6, 17)),  # Friday
    (date(2025, 6, 7), 1, date(2025, 6, 9)),  # Saturday -> Monday
    (date(2025, 6, 9), 5, date(2025, 6, 16)),  # Monday -> next Monday
    (date(2025, 6, 9), 0, date(2025, 6, 9)),
])
def test_working_days(start, days, due):
    assert add_working_days(start, days) == due
