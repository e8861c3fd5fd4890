"""Load documents (.txt, .pdf, .docx, .html) into :class:`RawDocument`.

``RawDocument.text`` is the coordinate system of every mention offset: it is the decoded file text
(``.txt``) or the extracted text (other formats), never normalised. Every failure on bad input is a
:class:`DocumentError` whose one-line message names the file and says what to do about it.
See docs/input.md.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

DocumentFormat = Literal["txt", "pdf", "docx", "html"]
SUFFIX_FORMATS: dict[str, DocumentFormat] = {
    ".txt": "txt", ".text": "txt", ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
}
# A .docx is a zip; these bound what we agree to inflate before python-docx sees it.
DOCX_MAX_ENTRIES = 5000
DOCX_MAX_RATIO = 100.0
DOCX_RATIO_FLOOR = 2**20
"""Below this total uncompressed size the ratio check is skipped (a tiny file cannot hurt)."""


class RawDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    text: str
    sha256: str
    encoding: str
    format: DocumentFormat
    title: str | None = None


class DocumentError(Exception):
    """A file that cannot be loaded; ``str()`` is one line: ``"{path}: {reason}"``."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(reason.split())
        super().__init__(f"{self.path}: {self.reason}")

    def __reduce__(self) -> tuple[type[DocumentError], tuple[str, str]]:
        # rebuilt from both fields when it crosses a process boundary (process pool, Dask)
        return (type(self), (self.path, self.reason))


# ---------------------------------------------------------------- text decoding

_BOMS: tuple[tuple[bytes, str, str], ...] = (  # (byte-order mark, codec after it, reported encoding)
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
)
_SNIFF: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (e.g. .docx)"), (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\xd0\xcf\x11\xe0", "an old Office file (.doc)"),
)
_CJK_PUNCT = frozenset("，。、；：？！“”‘’（）《》〈〉「」『』【】—…·")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_SCORE_SAMPLE = 1 << 20


@lru_cache(maxsize=1)
def _common_hanzi() -> frozenset[str]:
    """GB2312 level 1 (3,755 most used simplified) plus Big5 常用字 (5,401 most used traditional)."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            chars.add(bytes((lead, trail)).decode("gb2312", "ignore"))
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead, trail) <= (0xC6, 0x7E):
                chars.add(bytes((lead, trail)).decode("big5", "ignore"))
    chars.discard("")
    return frozenset(chars)


def _cjk_score(text: str) -> float:
    """How much a decoded text looks like real Chinese: share of its non-ASCII characters that are
    common hanzi or CJK punctuation, minus a penalty for private-use, kana, Greek, Cyrillic or box
    drawing characters (what a wrong GB/Big5 guess typically produces)."""
    common = _common_hanzi()
    good = bad = total = 0
    for ch in text[:_SCORE_SAMPLE]:
        if ch < "\x80":
            continue
        total += 1
        if ch in common or ch in _CJK_PUNCT:
            good += 1
        elif "\ue000" <= ch <= "\uf8ff" or "\u3040" <= ch <= "\u30ff" or "\u0370" <= ch <= "\u04ff" \
                or "\u2500" <= ch <= "\u257f" or ch == "\ufffd":
            bad += 1
    return (good - 2 * bad) / total if total else 0.0


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_chinese(data: bytes) -> tuple[float, str, str] | None:
    """``(score, text, codec)`` of GB18030 or Big5, whichever decodes cleanly and reads more like Chinese."""
    candidates: list[tuple[float, int, str, str]] = []
    for rank, codec in enumerate(("gb18030", "big5", "cp950", "big5hkscs")):
        text = _strict(data, codec)
        if text is not None:
            candidates.append((_cjk_score(text), -rank, text, codec))
            if rank:  # the first Big5 flavour that decodes is enough
                break
    if not candidates:
        return None
    score, _, text, codec = max(candidates)
    return score, text, codec


def decode_text(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode file bytes to ``(text, encoding)``: BOM, then strict UTF-8, then GB18030 vs Big5, then
    UTF-8 with a few bad bytes, then charset-normalizer. Raises :class:`DocumentError` for binary or
    undecodable data."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is None:
                raise DocumentError(path, f"starts with a {name} byte-order mark but is not valid {name}; "
                                          "re-save it as UTF-8")
            return text, name
    if b"\x00" in data:
        kind = next((name for magic, name in _SNIFF if data.startswith(magic)), "a binary file")
        raise DocumentError(path, f"contains NUL bytes: this is {kind}, not text (if it is UTF-16 text "
                                  "without a byte-order mark, re-save it as UTF-8)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8"), "utf-8"  # cut inside the last character
    found = _decode_chinese(data)
    if found is not None and found[0] >= 0.5:
        return found[1], found[2]
    lenient = data.decode("utf-8", "replace")
    damaged = lenient.count("\ufffd")
    if damaged <= max(3, len(lenient) // 200) and damaged * 20 < len(lenient):  # UTF-8 with a few bad bytes
        return lenient, "utf-8"
    guess = _charset_normalizer_guess(data)
    if guess is not None:
        return guess
    if found is not None:
        return found[1], found[2]
    raise DocumentError(path, "cannot decode the text: it is not UTF-8, UTF-16, GB18030 or Big5; "
                              "re-save it as UTF-8")


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * _SCORE_SAMPLE]).best()
    if best is None or not best.encoding:
        return None
    text = _strict(data, best.encoding)
    return None if text is None else (text, best.encoding)


def _check_text(text: str, path: Path) -> str:
    if not text.strip():
        raise DocumentError(path, "has no text (empty or only whitespace); check that it is the right file")
    sample = text[:_SCORE_SAMPLE]
    if len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise DocumentError(path, "looks binary (many control characters), not text; "
                                  "give a .txt, .pdf, .docx or .html file")
    return text


# ---------------------------------------------------------------- formats

def _load_txt(data: bytes, path: Path) -> tuple[str, str, str | None]:
    text, encoding = decode_text(data, path)
    return _check_text(text, path), encoding, None


_PDF_LOCKED = ("PDF is encrypted with a password; decrypt it first, e.g. "
               "qpdf --password=PASSWORD --decrypt in.pdf out.pdf, then retry")


def _load_pdf(data: bytes, path: Path) -> tuple[str, str, str | None]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(path, "is not a PDF (no %PDF- header); check the file or fix its extension")
    if b"%%EOF" not in data[-8192:]:
        raise DocumentError(path, "PDF is truncated (no %%EOF marker at the end); download or export it again")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, _PDF_LOCKED)
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
        title = meta.title if meta is not None else None
    except DocumentError:
        raise
    except DependencyError:
        raise DocumentError(path, "PDF uses AES encryption, which needs the 'cryptography' package; "
                                  "pip install cryptography, or decrypt it with qpdf --decrypt") from None
    except FileNotDecryptedError:
        raise DocumentError(path, _PDF_LOCKED) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise DocumentError(path, f"PDF is damaged ({_why(exc)}); repair it, e.g. "
                                  "qpdf in.pdf fixed.pdf, or export it again") from None
    if not pages:
        raise DocumentError(path, "PDF has no pages; export it again")
    text = "\f".join(pages)
    if not text.strip():
        raise DocumentError(path, "PDF has no text layer (scanned images); run OCR first, e.g. "
                                  "ocrmypdf -l chi_sim in.pdf out.pdf, then retry")
    return text, "pdf-text-layer", _clean_title(title)


def _check_zip(data: bytes, path: Path, max_bytes: int) -> None:
    """Refuse a .docx that is no zip, lacks word/document.xml, or would inflate too much (zip bomb).

    The sizes checked are the ones declared in the zip directory; :mod:`zipfile` never inflates an
    entry beyond its declared size, so the check bounds what parsing can allocate."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(path, "is not a .docx (not a zip archive); if it is an old Word .doc, convert it: "
                                  "soffice --headless --convert-to docx FILE")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(path, f"is a damaged zip ({exc}); save the .docx again") from None
    if len(infos) > DOCX_MAX_ENTRIES:
        raise DocumentError(path, f"zip has {len(infos)} entries (limit {DOCX_MAX_ENTRIES}); "
                                  "this is not a normal .docx, save it again from Word")
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise DocumentError(path, "is a zip but not a Word .docx (no word/document.xml); save it as .docx")
    inflated = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if inflated > max_bytes:
        raise DocumentError(path, f"unpacks to {_size(inflated)}, over the {_size(max_bytes)} limit "
                                  "(possible zip bomb); split the document or raise KG_MAX_FILE_MB")
    if inflated > DOCX_RATIO_FLOOR and inflated / packed > DOCX_MAX_RATIO:
        raise DocumentError(path, f"compression ratio {inflated / packed:.0f}:1 is over {DOCX_MAX_RATIO:.0f}:1 "
                                  "(possible zip bomb); refusing to unpack it, save it again from Word")


def _docx_blocks(element: Any, parent: Any) -> Iterator[str]:
    """Text of the body's paragraphs and tables in document order (tables: cells by tab, rows by line)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    stack: list[Any] = [iter(element.iterchildren())]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield Paragraph(child, parent).text
        elif tag == "tbl":
            for row in Table(child, parent).rows:
                seen: list[Any] = []
                cells: list[str] = []
                for cell in row.cells:
                    if any(cell._tc is tc for tc in seen):  # horizontally merged cell repeats
                        continue
                    seen.append(cell._tc)
                    cells.append(" ".join("\n".join(_docx_blocks(cell._tc, cell)).split("\n")))
                yield "\t".join(cells)
        elif tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
            stack.append(iter(child.iterchildren()))


def _load_docx(data: bytes, path: Path, max_bytes: int) -> tuple[str, str, str | None]:
    _check_zip(data, path, max_bytes)
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
        text = "\n".join(_docx_blocks(document.element.body, document))
        title = document.core_properties.title
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many types on damaged parts
        raise DocumentError(path, f".docx is damaged ({_why(exc)}); "
                                  "open and save it again in Word or LibreOffice") from None
    return _check_text(text, path), "docx-xml", _clean_title(title)


_HTML_DROP = frozenset({"script", "style", "nav", "noscript", "template", "iframe", "svg", "head", "object"})
_HTML_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "title", "tr", "ul",
})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_MULTIBYTE = frozenset({"utf-8", "gb18030", "gbk", "gb2312", "big5", "cp950", "big5hkscs", "utf-16", "euc_jp",
                        "shift_jis", "cp932", "euc_kr"})


def _decode_html(data: bytes, path: Path) -> tuple[str, str]:
    """The declared ``<meta charset>`` if the bytes agree with it, else detection as for .txt.
    GB2312/GBK labels decode as GB18030 (a superset); a single-byte label on Chinese bytes is overruled."""
    match = None if any(data.startswith(bom) for bom, _, _ in _BOMS) else _META_CHARSET.search(data[:4096])
    if match:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            codec = ""
        codec = "gb18030" if codec in ("gb2312", "gbk") else codec
        text = _strict(data, codec) if codec else None
        if text is not None:
            if codec in _MULTIBYTE or text.isascii():
                return text, codec
            found = _decode_chinese(data)
            return (found[1], found[2]) if found is not None and found[0] >= 0.5 else (text, codec)
    return decode_text(data, path)


def _html_text(root: Any) -> str:
    """Visible text: whitespace collapsed as a browser does (except in <pre>), block elements on their own lines."""
    from bs4.element import NavigableString, PreformattedString, Tag

    out: list[str] = []

    def newline() -> None:
        while out and out[-1] == " ":
            out.pop()
        if out and out[-1] != "\n":
            out.append("\n")

    stack: list[tuple[Any, bool, bool]] = [(root, False, False)]  # (node, is a block's end, inside <pre>)
    while stack:
        node, closing, in_pre = stack.pop()
        if closing:
            newline()
        elif isinstance(node, NavigableString):
            if isinstance(node, PreformattedString):  # comments, doctype, CDATA, processing instructions
                continue
            piece = str(node) if in_pre else _HTML_SPACE.sub(" ", str(node))
            if piece.startswith(" ") and (not out or out[-1] in (" ", "\n")):
                piece = piece[1:]
            if piece:
                out.append(piece)
        elif isinstance(node, Tag) and node.name not in _HTML_DROP:
            if node.name in _HTML_BLOCK:
                newline()
                stack.append((node, True, in_pre))
            inner_pre = in_pre or node.name == "pre"
            stack.extend((child, False, inner_pre) for child in reversed(node.contents))
    return "\n".join(line.strip(" ") for line in "".join(out).split("\n")).strip("\n")


def _load_html(data: bytes, path: Path) -> tuple[str, str, str | None]:
    from bs4 import BeautifulSoup

    markup, encoding = _decode_html(data, path)
    try:
        soup = BeautifulSoup(markup, "lxml")
        title = soup.title.get_text() if soup.title is not None else None
        text = _html_text(soup)
    except Exception as exc:  # noqa: BLE001 - lxml/bs4 on pathological markup
        raise DocumentError(path, f"HTML cannot be parsed ({_why(exc)}); save the page again or give its text "
                                  "as .txt") from None
    return _check_text(text, path), encoding, _clean_title(title)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def _clean_title(title: object) -> str | None:
    if not isinstance(title, str):
        return None
    cleaned = " ".join(title.split())
    return cleaned or None


# ---------------------------------------------------------------- public API

def load_document(path: Path, *, max_bytes: int | None = None, max_chars: int | None = None) -> RawDocument:
    """Load one file; raises :class:`DocumentError` (and nothing else) on any bad input.

    ``max_bytes`` and ``max_chars`` default to the ``max_file_mb`` and ``max_document_chars`` settings."""
    path = Path(path)
    if max_bytes is None or max_chars is None:
        from kg.settings import get_settings

        settings = get_settings()
        max_bytes = settings.max_file_mb * 2**20 if max_bytes is None else max_bytes
        max_chars = settings.max_document_chars if max_chars is None else max_chars
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    try:
        if not path.exists():
            raise DocumentError(path, "no such file; check the path")
        if not path.is_file():
            raise DocumentError(path, "is not a regular file; give a file or a folder of files")
        if fmt is None:
            shown = path.suffix or "(no extension)"
            raise DocumentError(path, f"unsupported file type {shown}; supported: .txt .pdf .docx .html .htm "
                                      "(convert the file, or rename it if it is plain text)")
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(path, f"is {_size(size)}, over the {_size(max_bytes)} limit; "
                                      "split it or raise KG_MAX_FILE_MB")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL character in the path
        raise DocumentError(path, f"cannot be read ({_why(exc)}); check the path and its permissions") from None
    if len(data) > max_bytes:
        raise DocumentError(path, f"is over the {_size(max_bytes)} limit; split it or raise KG_MAX_FILE_MB")
    if not data:
        raise DocumentError(path, "is empty (0 bytes); check that it is the right file")
    try:
        if fmt == "txt":
            text, encoding, title = _load_txt(data, path)
        elif fmt == "pdf":
            text, encoding, title = _load_pdf(data, path)
        elif fmt == "docx":
            text, encoding, title = _load_docx(data, path, max_bytes)
        else:
            text, encoding, title = _load_html(data, path)
    except DocumentError:
        raise
    except (MemoryError, RecursionError) as exc:
        raise DocumentError(path, f"too complex to load ({type(exc).__name__}); split or simplify it") from None
    except Exception as exc:  # noqa: BLE001 - bad input must never escape as another type
        raise DocumentError(path, f"cannot be loaded ({_why(exc)}); "
                                  "convert it to UTF-8 .txt and retry") from None
    if len(text) > max_chars:
        raise DocumentError(path, f"has {len(text):,} characters, over the {max_chars:,} limit for one document; "
                                  "split it (by volume or chapter) or raise KG_MAX_DOCUMENT_CHARS")
    return RawDocument(path=str(path), text=text, sha256=hashlib.sha256(data).hexdigest(),
                       encoding=encoding, format=fmt, title=title)


def _expand(path: Path, recursive: bool) -> Iterator[Path]:
    if not path.is_dir():
        yield path
        return
    for folder, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(folder) / name


def iter_documents(
    paths: Iterable[Path], *, recursive: bool = True, max_bytes: int | None = None, max_chars: int | None = None
) -> Iterator[RawDocument | DocumentError]:
    """Load files one at a time; folders expand to their files (sorted by name, depth first, hidden
    files skipped). A bad file yields its :class:`DocumentError` and the batch goes on."""
    for given in paths:
        for file in _expand(Path(given), recursive):
            try:
                yield load_document(file, max_bytes=max_bytes, max_chars=max_chars)
            except DocumentError as error:
                yield error
