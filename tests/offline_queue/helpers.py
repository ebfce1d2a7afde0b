"""Small builders for outbox tests."""

from __future__ import annotations

import os

from offline_queue.outbox import NewAttachment, NewSubmission

NAME = "张三丰测试"
ID_NUMBER = "11010519491231002X"


def submission(*sizes: int, service: str = "CR-HZ-0001", name: str = NAME,
               id_number: str = ID_NUMBER) -> NewSubmission:
    return NewSubmission(
        service_code=service,
        applicant={"id_type": "resident_id", "id_number": id_number, "name": name,
                   "chip_verified": False},
        form={"applicant_name": name, "phone": "13800138000"},
        attachments=[NewAttachment("M01", b"\xff\xd8" + os.urandom(n), "image/jpeg")
                     for n in sizes],
        contact={"phone": "13800138000", "address": "北京市东城区人民路1号"},
        delivery="pickup",
    )
