"""USB bulk cannot run here: a fake pyusb device (endpoints that record writes and return
queued reads) checks both variants' framing, the resend on a lost answer, and unplug."""

from __future__ import annotations

from collections import defaultdict, deque

import pytest
import usb.core

from devices.idcard.client import SamClient
from devices.idcard.errors import IdCardError, ReaderUnavailable
from devices.idcard.frames import PREAMBLE, checksum, encode_request
from devices.idcard.transport_usb import UsbTransport


def answer(sw3: int, data: bytes = b"") -> bytes:
    body = bytes((0, 0, sw3)) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes((checksum(length + body),))


class FakeDevice:
    def __init__(self) -> None:
        self.writes: list[tuple[int, bytes]] = []
        self.queued: dict[int, deque[bytes]] = defaultdict(deque)
        self.configured = False
        self.gone = False

    def is_kernel_driver_active(self, interface: int) -> bool:
        return False

    def set_configuration(self) -> None:
        self.configured = True

    def write(self, ep: int, data: bytes, timeout: int) -> int:
        if self.gone:
            raise usb.core.USBError("No such device", errno=19)
        self.writes.append((ep, bytes(data)))
        return len(data)

    def read(self, ep: int, size: int, timeout: int) -> bytes:
        if not self.queued[ep]:
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        return self.queued[ep].popleft()[:size]


def split_answer(dev: FakeDevice, frame: bytes, packet: int = 64) -> None:
    dev.queued[0x81].append(frame[:7])
    body = frame[7:]
    for i in range(0, len(body), packet):
        dev.queued[0x85].append(body[i:i + packet])


def test_split_variant_writes_header_and_body_apart_and_reads_both_in_endpoints():
    dev = FakeDevice()
    t = UsbTransport(0x0400, 0xC35A, finder=lambda vid, pid: dev)
    t.open()
    sam_id = bytes.fromhex("0500010093e03401" "40e20100d2029649")
    split_answer(dev, answer(0x90, sam_id))
    client = SamClient(t)
    assert client.sam_id().startswith("05.01-")
    request = encode_request(0x12, 0xFF)
    assert dev.writes == [(0x02, request[:7]), (0x06, request[7:])] and dev.configured


def test_split_variant_reads_a_whole_card_answer_in_packets():
    dev = FakeDevice()
    t = UsbTransport(0x0400, 0xC35A, finder=lambda vid, pid: dev)
    t.open()
    text, photo = " ".encode("utf-16-le") * 128, bytes(range(256)) * 4
    split_answer(dev, answer(0x90, b"\x01\x00\x04\x00" + text + photo))
    base = SamClient(t).read_base()
    assert base.text == text and base.photo == photo


def test_single_endpoint_variant_and_a_lost_answer_is_resent():
    dev = FakeDevice()
    t = UsbTransport(0x0316, 0x5020, out_eps=(0x01,), in_eps=(0x82,), split=False,
                     finder=lambda vid, pid: dev)
    t.open()
    client = SamClient(t, retries=1)
    frame = answer(0x9F, bytes(4))

    original = dev.read
    calls = {"n": 0}

    def read(ep, size, timeout):
        calls["n"] += 1
        if calls["n"] == 1:  # the first answer never comes
            raise usb.core.USBTimeoutError("Operation timed out", errno=110)
        dev.queued[0x82].append(frame[:20])
        dev.queued[0x82].append(frame[20:])
        dev.read = original
        return original(ep, size, timeout)

    dev.read = read
    assert client.find() == bytes(4)
    request = encode_request(0x20, 0x01)
    assert dev.writes == [(0x01, request), (0x01, request)] and client.resends == 1


def test_a_corrupt_split_answer_is_a_typed_error():
    dev = FakeDevice()
    t = UsbTransport(0x0400, 0xC35A, finder=lambda vid, pid: dev)
    t.open()
    bad = bytearray(answer(0x90))
    bad[-1] ^= 0xFF
    split_answer(dev, bytes(bad))
    with pytest.raises(IdCardError) as info:
        SamClient(t, retries=0).sam_status()
    assert info.value.code == "checksum"


def test_no_device_and_an_unplugged_device_are_reader_unavailable():
    with pytest.raises(ReaderUnavailable):
        UsbTransport(0x0400, 0xC35A, finder=lambda vid, pid: None).open()
    dev = FakeDevice()
    t = UsbTransport(0x0400, 0xC35A, finder=lambda vid, pid: dev)
    t.open()
    dev.gone = True
    with pytest.raises(ReaderUnavailable):
        SamClient(t).sam_status()
    assert not t.is_open
