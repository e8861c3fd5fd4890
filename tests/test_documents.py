"""Loading .txt/.pdf/.docx/.html files; every fixture is generated here from real sentences."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.documents import DocumentError, RawDocument, iter_documents, load_document

# Simplified: a 2024 local-history bulletin; traditional: 華陽國志 卷一 opening plus a biography line.
SIMPLIFIED = (
    "8月3日，眉山市委党史研究室召开全体干部职工会，通报赴浙江省调研情况。"
    "会议要求把《眉山年鉴（2024）》打造为精品年鉴。邓小平，1904年8月22日生于四川省广安县协兴乡牌坊村。"
)
TRADITIONAL = (
    "昔在唐堯，洪水滔天，鯀功無成，聖禹嗣興，導江疏河，百川蠲修，封殖天下，因古九囿以置九州。"
    "華陽國志是東晉常璩撰寫的地方志。鄧小平出生於四川省廣安縣協興鄉牌坊村。"
)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_one_line_error(exc: DocumentError, path: Path, *needles: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert exc.path == str(path) and message == f"{exc.path}: {exc.reason}"
    for needle in needles:
        assert needle in message


# ---------------------------------------------------------------- .txt encodings

@pytest.mark.parametrize(
    ("text", "codec", "expected_encoding"),
    [
        (SIMPLIFIED, "utf-8", "utf-8"),
        (SIMPLIFIED, "utf-8-sig", "utf-8-sig"),
        (SIMPLIFIED, "utf-16", "utf-16-le"),
        (SIMPLIFIED, "utf-16-be", "utf-16-be"),
        (SIMPLIFIED, "gb2312", "gb18030"),
        (SIMPLIFIED, "gbk", "gb18030"),
        (SIMPLIFIED + "𠮷€", "gb18030", "gb18030"),
        (TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "gbk", "gb18030"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "gb2312", "gbk", "gb18030", "big5", "trad-in-gbk"],
)
def test_txt_encodings(tmp_path: Path, text: str, codec: str, expected_encoding: str) -> None:
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path = write(tmp_path, "doc.txt", data)
    doc = load_document(path)
    assert doc.text == text
    assert doc.encoding == expected_encoding
    assert doc.format == "txt" and doc.title is None
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.path == str(path)


def test_big5_and_gbk_are_told_apart_on_short_real_lines(tmp_path: Path) -> None:
    for line in ("華陽國志卷第一巴志", "縣誌記載廣安鄧氏", "鄧小平出生於廣安"):
        assert load_document(write(tmp_path, "b.txt", line.encode("big5"))).text == line
    for line in ("华阳国志卷第一巴志", "县志记载广安邓氏", "眉山市地方志办公室"):
        assert load_document(write(tmp_path, "g.txt", line.encode("gbk"))).text == line


def test_raw_text_keeps_line_breaks_and_spaces(tmp_path: Path) -> None:
    text = "8月 3日，眉山市委党史研究室召开全体干部职工\r\n\r\n会，通报赴浙江省调研情况"
    doc = load_document(write(tmp_path, "crlf.txt", text.encode("gbk")))
    assert doc.text == text


def test_utf8_cut_inside_last_character_still_loads(tmp_path: Path) -> None:
    data = SIMPLIFIED.encode("utf-8")[:-1]  # the final "。" loses its last byte
    doc = load_document(write(tmp_path, "cut.txt", data))
    assert doc.encoding == "utf-8" and doc.text == SIMPLIFIED[:-1]


# ---------------------------------------------------------------- PDF

def make_pdf(pages: list[list[str]] | None, *, title: str | None = None, image_only: bool = False) -> bytes:
    """A real PDF written by hand: a Type0 font (STSong-Light, not embedded) with the predefined
    UniGB-UCS2-H CMap, so every string is the UTF-16BE code of its characters."""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # page tree, filled in below
        (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
         b"/DescendantFonts [4 0 R] >>"),
        (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo "
         b"<< /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 >>"),
        (b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [0 -200 1000 900] "
         b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"),
        (b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
         b"/BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream"),
    ]
    kids = []
    for lines in pages or [[]]:
        if image_only:
            content = b"q 200 0 0 200 72 500 cm /Im1 Do Q"
        else:
            ops = [b"BT /F1 14 Tf 72 760 Td 18 TL"]
            ops += [b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*" for line in lines]
            content = b"\n".join([*ops, b"ET"])
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> "
            b"/XObject << /Im1 6 0 R >> >> /Contents %d 0 R >>" % content_ref
        )
        kids.append(b"%d 0 R" % len(objects))
    count = len(kids) if pages is not None else 0
    objects[1] = b"<< /Type /Pages /Kids [" + (b" ".join(kids) if pages is not None else b"") + b"] /Count %d >>" % count
    info = b""
    if title is not None:
        objects.append(b"<< /Title <FEFF" + title.encode("utf-16-be").hex().upper().encode() + b"> >>")
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


PDF_PAGES = [["华阳国志记载巴蜀历史", "眉山市地方志办公室"], ["邓小平生于广安县"]]


def test_pdf_text_layer_with_chinese_cid_font(tmp_path: Path) -> None:
    path = write(tmp_path, "bulletin.pdf", make_pdf(PDF_PAGES, title="眉山年鉴"))
    doc = load_document(path)
    assert doc.format == "pdf" and doc.title == "眉山年鉴"
    pages = doc.text.split("\f")
    assert len(pages) == 2
    assert "华阳国志记载巴蜀历史" in pages[0] and "眉山市地方志办公室" in pages[0]
    assert pages[0].index("华阳国志") < pages[0].index("眉山市")
    assert "邓小平生于广安县" in pages[1]


def encrypt(pdf: bytes, user_password: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_encrypted_with_empty_user_password_loads(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "open.pdf", encrypt(make_pdf(PDF_PAGES), "")))
    assert "华阳国志记载巴蜀历史" in doc.text


def test_pdf_errors(tmp_path: Path) -> None:
    good = make_pdf(PDF_PAGES)
    cases = {
        "locked.pdf": (encrypt(good, "secret"), ("encrypted", "qpdf")),
        "scan.pdf": (make_pdf([[]], image_only=True), ("no text layer", "OCR", "ocrmypdf")),
        "truncated.pdf": (good[: len(good) // 2], ("truncated",)),
        "garbage.pdf": (b"%PDF-1.4\n" + bytes(range(1, 256)) * 20 + b"\n%%EOF\n", ("damaged",)),
        "nopages.pdf": (make_pdf(None), ("no pages",)),
        "notpdf.pdf": ("这不是PDF文件".encode(), ("not a PDF",)),
    }
    for name, (data, needles) in cases.items():
        path = write(tmp_path, name, data)
        with pytest.raises(DocumentError) as info:
            load_document(path)
        assert_one_line_error(info.value, path, *needles)


# ---------------------------------------------------------------- DOCX

def make_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.core_properties.title = "广安县志"
    document.add_heading("第一章 建置沿革", level=1)
    document.add_paragraph("广安县位于四川省东部。")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("姓名", "籍贯"), ("邓小平", "广安县协兴乡")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("表后段落：1904年8月22日。")
    document.save(str(path))


def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    path = tmp_path / "county.docx"
    make_docx(path)
    doc = load_document(path)
    assert doc.format == "docx" and doc.title == "广安县志"
    assert doc.text.split("\n") == [
        "第一章 建置沿革", "广安县位于四川省东部。", "姓名\t籍贯", "邓小平\t广安县协兴乡", "表后段落：1904年8月22日。",
    ]
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_docx_zip_bomb_and_fakes_are_refused_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("[Content_Types].xml", "w") as handle:
            handle.write(b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            chunk = b"\x00" * 2**20
            for _ in range(24):
                handle.write(chunk)
    assert bomb.stat().st_size < 2**20
    with pytest.raises(DocumentError) as info:
        load_document(bomb)
    assert_one_line_error(info.value, bomb, "zip bomb", "ratio")
    with pytest.raises(DocumentError) as info:
        load_document(bomb, max_bytes=2**22)
    assert_one_line_error(info.value, bomb, "zip bomb", "unpacks to")

    fake = write(tmp_path, "old.docx", "其实是纯文本".encode())
    with pytest.raises(DocumentError) as info:
        load_document(fake)
    assert_one_line_error(info.value, fake, "not a zip", "soffice")

    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DocumentError) as info:
        load_document(other)
    assert_one_line_error(info.value, other, "word/document.xml")


# ---------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html><html><head><meta charset="gb2312"><title> 眉山年鉴 2024 </title>
<style>p {{ color: red }}</style><script>var x = "不要这段脚本";</script></head>
<body><nav>首页 | 导航菜单</nav>
<h1>大事记</h1>
<p>8月3日，眉山市委党史研究室召开
   全体干部职工会。</p><div>洪雅县<b>地方志</b>编纂中心<br>调研指导</div>
<ul><li>第一条</li><li>第二条</li></ul><!-- 注释 -->
</body></html>"""


def test_html_blocks_become_lines_and_chrome_is_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", HTML.format().encode("gbk"))
    doc = load_document(path)
    assert doc.format == "html" and doc.encoding == "gb18030" and doc.title == "眉山年鉴 2024"
    assert doc.text.split("\n") == [
        "大事记", "8月3日，眉山市委党史研究室召开 全体干部职工会。", "洪雅县地方志编纂中心", "调研指导", "第一条", "第二条",
    ]
    for dropped in ("不要这段脚本", "导航菜单", "color", "注释"):
        assert dropped not in doc.text


def test_html_labelled_utf8_but_really_gb18030_still_decodes(tmp_path: Path) -> None:
    page = HTML.format().replace('charset="gb2312"', 'charset="utf-8"')
    doc = load_document(write(tmp_path, "wrong.htm", page.encode("gb18030")))
    assert doc.encoding == "gb18030" and "眉山市委党史研究室" in doc.text


def test_html_without_charset_in_big5(tmp_path: Path) -> None:
    page = f"<html><body><p>{TRADITIONAL}</p></body></html>"
    doc = load_document(write(tmp_path, "trad.html", page.encode("big5")))
    assert doc.text == TRADITIONAL and doc.title is None


# ---------------------------------------------------------------- generic failures and batches

def test_generic_failures_are_one_line_document_errors(tmp_path: Path) -> None:
    cases = {
        "empty.txt": (b"", ("empty",)),
        "blank.txt": (" \n\u3000\n".encode(), ("no text",)),
        "photo.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), ("NUL", "PNG")),
        "control.txt": (bytes(range(1, 9)) * 200, ("binary",)),
        "legacy.doc": (b"\xd0\xcf\x11\xe0" + bytes(100), ("unsupported file type .doc",)),
        "noext": (b"text", ("no extension",)),
    }
    for name, (data, needles) in cases.items():
        path = write(tmp_path, name, data)
        with pytest.raises(DocumentError) as info:
            load_document(path)
        assert_one_line_error(info.value, path, *needles)
    big = write(tmp_path, "big.txt", SIMPLIFIED.encode() * 20)
    with pytest.raises(DocumentError) as info:
        load_document(big, max_bytes=1024)
    assert_one_line_error(info.value, big, "limit", "KG_MAX_FILE_MB")
    missing = tmp_path / "missing.txt"
    with pytest.raises(DocumentError) as info:
        load_document(missing)
    assert_one_line_error(info.value, missing, "no such file")
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(DocumentError) as info:
        load_document(folder)
    assert_one_line_error(info.value, folder, "not a regular file")


def test_batch_goes_on_past_bad_files_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "b_sub").mkdir(parents=True)
    write(root, "a_good.txt", SIMPLIFIED.encode("gbk"))
    write(root, "a_truncated.pdf", make_pdf(PDF_PAGES)[:300])
    write(root, "c_empty.txt", b"")
    write(root, "d_trad.txt", TRADITIONAL.encode("big5"))
    write(root, ".hidden.txt", b"skipped")
    write(root / "b_sub", "inner.html", b"<p>\xe5\xb9\xbf\xe5\xae\x89</p>")
    results = list(iter_documents([root]))
    names = [Path(r.path).name for r in results]
    assert names == ["a_good.txt", "a_truncated.pdf", "c_empty.txt", "d_trad.txt", "inner.html"]
    kinds = [type(r) for r in results]
    assert kinds == [RawDocument, DocumentError, DocumentError, RawDocument, RawDocument]
    assert [r.text for r in results if isinstance(r, RawDocument)] == [SIMPLIFIED, TRADITIONAL, "广安"]
    flat = list(iter_documents([root], recursive=False))
    assert [Path(r.path).name for r in flat] == names[:4]
    mixed = list(iter_documents([root / "d_trad.txt", tmp_path / "nowhere.txt"]))
    assert isinstance(mixed[0], RawDocument) and isinstance(mixed[1], DocumentError)


def test_batch_streams_one_file_at_a_time(tmp_path: Path) -> None:
    write(tmp_path, "1.txt", "第一篇".encode())
    second = write(tmp_path, "2.txt", "第二篇".encode())
    stream = iter_documents([tmp_path])
    first = next(stream)
    assert isinstance(first, RawDocument) and first.text == "第一篇"
    second.write_bytes("改过的第二篇".encode())  # read only when reached
    later = next(stream)
    assert isinstance(later, RawDocument) and later.text == "改过的第二篇"


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000), suffix=st.sampled_from([".txt", ".pdf", ".docx", ".html"]),
       seed_kind=st.sampled_from(["random", "pdf", "docx"]), cut=st.integers(0, 5000), flip=st.integers(0, 255))
def test_any_bytes_give_a_document_or_a_document_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str, seed_kind: str, cut: int, flip: int
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    if seed_kind == "pdf":
        base = bytearray(make_pdf(PDF_PAGES))
    elif seed_kind == "docx":
        make_docx(folder / "seed.docx")
        base = bytearray((folder / "seed.docx").read_bytes())
    else:
        base = bytearray(data)
    if seed_kind != "random":  # damage a real file: flip one byte and splice in random bytes
        at = cut % len(base)
        base[at] ^= flip or 1
        base[at:at + len(data) // 10] = data[: len(data) // 10]
    path = write(folder, "fuzz" + suffix, bytes(base))
    try:
        doc = load_document(path)
    except DocumentError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        assert isinstance(doc, RawDocument) and doc.text.strip()


def test_document_over_the_character_limit_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    path.write_text("邓小平出生于四川省广安县。" * 10, encoding="utf-8")
    with pytest.raises(DocumentError) as refused:
        load_document(path, max_chars=100)
    message = str(refused.value)
    assert "\n" not in message and "long.txt" in message and "130 characters" in message
    assert "KG_MAX_DOCUMENT_CHARS" in message
    assert len(load_document(path, max_chars=130).text) == 130
    from kg.settings import get_settings

    monkeypatch.setenv("KG_MAX_DOCUMENT_CHARS", "50")
    get_settings.cache_clear()
    try:
        with pytest.raises(DocumentError, match="over the 50 limit"):
            load_document(path)
    finally:
        get_settings.cache_clear()
