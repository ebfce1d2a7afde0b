"""A sample filing receipt for `python -m devices.printer test-print`.

The real receipts are composed by kiosk/receipt.py (this package never imports the
kiosk); this one only has to look like them, with plausible but invented values.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from .document import Align, Columns, Cut, Document, Feed, QrCode, Rule, Text, TextSize

SAMPLE_QUERY_CODE = "7KQ2MX"
SAMPLE_URL = "https://zwfw.example.gov/track?no={no}&code={code}"


def sample_tracking_no(now: datetime) -> str:
    # Sequence 0000 is never issued (real ones start at 0001): a test print can't be
    # mistaken for a real receipt.
    return f"BA01-K017-{now:%Y%m%d}-0000"


def sample_url(tracking_no: str) -> str:
    return SAMPLE_URL.format(no=quote(tracking_no, safe=""),
                             code=quote(SAMPLE_QUERY_CODE, safe=""))


def sample_receipt(lang: str = "zh", now: datetime | None = None) -> Document:
    now = now or datetime.now()
    when = now.strftime("%Y-%m-%d %H:%M")
    tracking_no = sample_tracking_no(now)
    zh = lang == "zh"
    blocks = (
        Text("政务服务自助终端" if zh else "Government Services Kiosk", align=Align.CENTER),
        Text("测试打印 TEST PRINT", bold=True, align=Align.CENTER),
        Feed(1),
        Text("受 理 回 执" if zh else "FILING RECEIPT", size=TextSize.LARGE, bold=True,
             align=Align.CENTER),
        Rule(),
        Text("办理事项：" if zh else "Service:"),
        Text("护照首次申领" if zh else "Passport first application", bold=True),
        Columns("受理时间" if zh else "Filed", when),
        Columns("终端编号" if zh else "Terminal", "BA01-K017"),
        Rule(),
        Text("受理编号" if zh else "Tracking No.", align=Align.CENTER),
        Text(tracking_no, size=TextSize.TALL, bold=True, align=Align.CENTER),
        Text(("查询码  " if zh else "Query code  ") + SAMPLE_QUERY_CODE, size=TextSize.TALL,
             bold=True, align=Align.CENTER),
        Rule(),
        Text("已收材料：" if zh else "Materials received:"),
        Text("1. 居民身份证复印件" if zh else "1. Copy of resident ID card"),
        Text("2. 近期免冠证件照" if zh else "2. Recent ID photo"),
        Rule(),
        QrCode(sample_url(tracking_no)),
        Text("扫码查询办理进度" if zh else "Scan to check progress", align=Align.CENTER),
        Text("咨询电话：12345" if zh else "Hotline: 12345", bold=True),
        Cut(),
    )
    return Document(blocks, lang, "test-print")
