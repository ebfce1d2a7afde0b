"""Document -> ESC/POS bytes, read back with the virtual printer's decoder."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image as PILImage
from PIL import ImageDraw

from devices.printer import (
    PROFILES,
    Align,
    Columns,
    Cut,
    Document,
    Feed,
    Image,
    QrCode,
    Rule,
    Text,
    TextSize,
    get_profile,
    render,
)
from devices.printer.profiles import UnknownProfile
from devices.printer.render import GLUE, RenderError, wrap
from sim.printer import Decoder, Paper

ZH = "受理编号：BA01-K017-20250606-0042 护照首次申领 𠀀"  # the last one is a GB18030 4-byte char


def ops_of(data: bytes):
    return Decoder().feed(data)


def paper_of(data: bytes, width: int) -> Paper:
    paper = Paper(width)
    for op in ops_of(data):
        paper.apply(op)
    return paper


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_job_starts_with_init_and_ends_with_cut_or_feed(name):
    profile = get_profile(name)
    data = render(Document((Text("hello"),), "en"), profile)
    assert data.startswith(b"\x1b@")
    ops = ops_of(data)
    assert ops[0].name == "init"
    if profile.cutter:
        assert ops[-1].name == "cut" and ops[-2].name == "feed_lines"
    else:
        assert ops[-1].name == "feed_lines" and all(op.name != "cut" for op in ops)


def test_chinese_mode_sends_gb18030_between_fs_and_fs_dot():
    data = render(Document((Text(ZH),), "zh"), get_profile("cn-80"))
    assert b"\x1c&" + "受理编号".encode("gb18030") in data
    assert "𠀀".encode("gb18030") in data and len("𠀀".encode("gb18030")) == 4
    paper = paper_of(data, 576)
    assert " ".join(paper.text_lines) == ZH  # 49 columns: wrapped at the last space
    # FS . after the line: ASCII that follows is not read as GB18030
    more = render(Document((Text("护照"), Text("caf\xe9")), "zh"), get_profile("cn-80"))
    names = [op.name for op in ops_of(more)]
    assert names.count("chinese") == 1 + 2 * 2  # FS . after ESC @, then FS & / FS . per line


def test_without_chinese_mode_chinese_goes_as_raster():
    data = render(Document((Text("English only"), Text("护照首次申领")), "zh"),
                  get_profile("basic-80"))
    assert b"\x1c&" not in data
    assert "护照".encode("gb18030") not in data
    ops = ops_of(data)
    assert [op.value[0] for op in ops if op.name == "text"] == ["English only"]
    rasters = [op for op in ops if op.name == "raster"]
    assert len(rasters) == 1
    _, xbytes, rows, _ = rasters[0].value
    assert xbytes * 8 >= 6 * 24 and rows == 24 + 6  # six full-width glyphs and the line gap


def test_native_qr_vs_raster_qr_both_decode():
    url = "https://zwfw.example.gov/track?no=BA01-K017-20250606-0042&code=7KQ2MX"
    doc = Document((QrCode(url),), "en")
    native = render(doc, get_profile("cn-80"))
    raster = render(doc, get_profile("basic-80"))
    assert b"\x1d(k" in native and b"\x1dv0" not in native
    assert b"\x1d(k" not in raster and b"\x1dv0" in raster
    assert len(raster) > 3 * len(native)
    for data in (native, raster):
        img = paper_of(data, 576).image()
        assert [r.text for r in zxingcpp.read_barcodes(img)] == [url]


def test_everything_as_raster_sends_no_text():
    doc = Document((Text("Tracking No.", bold=True), Text("受理编号"), Rule(),
                    Columns("Filed", "2025-06-06"), QrCode("x")), "zh")
    data = render(doc, get_profile("cn-80"), text_as_raster=True)
    assert [op for op in ops_of(data) if op.name == "text"] == []
    assert b"\x1d(k" not in data


def test_sizes_bold_alignment():
    doc = Document((Text("BIG", size=TextSize.LARGE, bold=True, align=Align.CENTER),
                    Text("tall", size=TextSize.TALL), Text("right", align=Align.RIGHT)), "en")
    ops = [(op.name, op.value) for op in ops_of(render(doc, get_profile("cn-80")))]
    assert ("align", 1) in ops and ("bold", 1) in ops and ("size", 0x11) in ops
    assert ("size", 0x01) in ops and ("align", 2) in ops
    # state changes are sent only when they change
    assert sum(1 for name, _ in ops if name == "align") == 3


def test_columns_fill_the_line_and_fall_back_to_two_lines():
    profile = get_profile("cn-58")
    paper = paper_of(render(Document((Columns("受理时间", "2025-06-06 16:45"),), "zh"),
                            profile), 384)
    line = paper.text_lines[0]
    assert line.startswith("受理时间") and line.endswith("2025-06-06 16:45")
    assert sum(2 if ord(c) > 0x7F else 1 for c in line) == profile.columns
    long = paper_of(render(Document((Columns("Terminal location", "x" * 20),), "en"),
                           profile), 384)
    assert long.text_lines[:2] == ["Terminal location", "x" * 20]


def test_lines_are_wrapped_by_us_not_the_printer():
    text = "Decision within 7 working days (expected by 2025-06-17). " * 3
    for name in ("cn-58", "cn-80"):
        profile = get_profile(name)
        lines = paper_of(render(Document((Text(text),), "en"), profile),
                         profile.width_dots).text_lines
        assert " ".join(lines).split() == text.split()  # no word broken
        assert all(len(line) <= profile.columns for line in lines)


def test_wrap_rules():
    assert wrap("您的申请已保存在本终端，网络恢复后将自动提交。", 16) == [
        "您的申请已保存在", "本终端，网络恢复", "后将自动提交。"]
    # closing punctuation never starts a line: the character before comes down with it
    assert wrap("一二三四五六七八，九", 16) == ["一二三四五六七", "八，九"]
    assert wrap("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 10) == ["ABCDEFGHIJ", "KLMNOPQRST", "UVWXYZ"]
    assert wrap("two words", 20, cells=2) == ["two words"]
    assert wrap("two words", 10, cells=2) == ["two", "words"]


def test_wrap_leaves_no_orphan_character():
    # 24 characters a line on 80 mm: greedy wrapping left "度。" alone on the last line.
    text = "请妥善保管本回执，凭受理编号和查询码查询办理进度。"
    assert wrap(text, 48) == ["请妥善保管本回执，凭受理编号和查询码查询办理", "进度。"]
    for columns in range(8, 60):
        lines = wrap(text, columns)
        assert "".join(lines) == text, columns  # nothing lost or doubled
        assert len(lines[-1].rstrip("。")) >= 2 or len(lines) == 1, (columns, lines)
        assert all(_fits(line, columns) for line in lines)
    assert wrap("一二三四五六七八九", 16) == ["一二三四五六七", "八九"]


def test_wrap_keeps_dates_and_times_whole():
    text = "Filed on 2025-06-06 16:45 at the kiosk, decided by 2025-06-17."
    for columns in range(17, 40):
        lines = wrap(text, columns)
        joined = "\n".join(lines)
        assert "2025-06-06 16:45" in joined and "2025-06-17" in joined, (columns, lines)
    zh = "承诺时限：7个工作日，预计2025-06-17前办结"
    for columns in range(12, 40):
        assert any("2025-06-17" in line for line in wrap(zh, columns)), columns


def test_wrap_keeps_glued_words_and_opening_brackets_with_what_follows():
    glued = " → ".join(GLUE.join(w) for w in ("已接收", "已受理", "审查中", "已办结"))
    for columns in range(8, 40):
        lines = wrap("办理进度：" + glued, columns)
        assert GLUE not in "".join(lines)
        for word in ("已接收", "已受理", "审查中", "已办结"):
            assert any(word in line for line in lines), (columns, lines)
    lines = wrap("一二三四五六（七八）", 14)
    assert lines == ["一二三四五六", "（七八）"]  # "（" never ends a line


def _fits(line: str, columns: int) -> bool:
    return sum(2 if ord(c) > 0x7F else 1 for c in line) <= columns


def test_image_block_is_scaled_to_the_paper():
    img = PILImage.new("L", (800, 100), 255)
    ImageDraw.Draw(img).rectangle((0, 0, 799, 49), fill=0)
    data = render(Document((Image(img), Feed(2), Cut()), "en"), get_profile("cn-58"))
    rasters = [op.value for op in ops_of(data) if op.name == "raster"]
    assert sum(r[2] for r in rasters) == 48  # 100 rows scaled by 384/800
    assert all(r[1] == 384 // 8 for r in rasters)


def test_bad_documents_are_typed_errors():
    with pytest.raises(RenderError):
        render(Document((QrCode(""),), "en"), get_profile("cn-80"))
    with pytest.raises(RenderError):
        render(Document((QrCode("x" * 2332),), "en"), get_profile("basic-80"))
    with pytest.raises(RenderError):
        render(Document((QrCode("x" * 2332),), "en"), get_profile("cn-80"))
    with pytest.raises(ValueError, match="language"):
        Document((), "fr")
    with pytest.raises(UnknownProfile):
        get_profile("tm-t88")
