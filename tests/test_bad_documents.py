"""Bad documents through the real command line: `kg extract DIR --report R.json` over a folder of hostile files.

Each bad file must give one stderr line naming the file and the reason, the good files must still be extracted,
the exit code must be 1, and the JSON report must list every skipped file. The loader-level cases are in
tests/test_documents.py; here the whole CLI path (folder walk, extraction, report, exit code) is exercised,
plus a 50 MB single-line file with its peak memory measured.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_documents import PDF_PAGES, encrypt, make_pdf

GOOD_SIMPLIFIED = "邓小平，1904年8月22日生于四川省广安县协兴乡牌坊村。"
GOOD_GB = "卓琳，1916年4月6日生于云南省宣威县，邓小平的妻子。"
GOOD_HTML = "邓绍昌是邓小平的父亲，生于广安县协兴乡。"
GOOD_TRADITIONAL = "鄧小平出生於四川省廣安縣協興鄉牌坊村。"
MIXED = "邓小平出生於四川省廣安县协兴乡牌坊村，卓琳是他的妻子。"
BIG_LINE_MB = 50


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float
    finished: bool


def _peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_kg(args: list[str], env_extra: dict[str, str], cwd: Path, timeout_s: float,
           max_rss_mb: float = 2048) -> Run:
    """`python -m kg.cli ARGS` with its peak resident memory (VmHWM, polled) and wall time; killed at the
    timeout or when it grows past ``max_rss_mb`` (so a runaway cannot hurt the machine)."""
    env = {**os.environ, "KG_NEO4J_URI": "", "KG_LOG_LEVEL": "WARNING", "KG_WORKERS": "1", **env_extra}
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    start = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        process = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stdout=o, stderr=e, env=env, cwd=cwd)
        peak = 0
        finished = True
        while process.poll() is None:
            peak = max(peak, _peak_rss_kb(process.pid))
            if time.monotonic() - start > timeout_s or peak > max_rss_mb * 1024:
                process.kill()
                finished = False
                break
            time.sleep(0.1)
        process.wait()
    return Run(process.returncode, out.read_text(encoding="utf-8", errors="replace"),
               err.read_text(encoding="utf-8", errors="replace"), peak / 1024, time.monotonic() - start, finished)


def zip_bomb(path: Path) -> None:
    """A 'docx' whose word/document.xml inflates to 64 MB from a few tens of KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            for _ in range(64):
                handle.write(b" " * 2**20)


BAD: dict[str, tuple[str, ...]] = {  # file name -> words the one-line error must contain
    "empty.txt": ("empty",),
    "blank.txt": ("no text",),
    "image.txt": ("NUL bytes", "PNG"),
    "control.txt": ("binary",),
    "truncated.pdf": ("truncated",),
    "scan.pdf": ("no text layer", "OCR"),
    "locked.pdf": ("encrypted", "decrypt"),
    "bomb.docx": ("zip bomb",),
    "notzip.docx": ("not a zip",),
    "notes.doc": ("unsupported file type",),
}


def make_batch(folder: Path) -> None:
    folder.mkdir()
    # good files, each one a way a real file can look odd but still be readable
    (folder / "a_simplified.txt").write_text(GOOD_SIMPLIFIED, encoding="utf-8")
    (folder / "b_gb18030.txt").write_bytes(GOOD_GB.encode("gb18030"))
    (folder / "c_mislabelled.html").write_bytes(
        ('<html><head><meta charset="utf-8"><title>广安</title></head><body><p>' + GOOD_HTML
         + "</p></body></html>").encode("gb18030"))
    (folder / "d_mixed.txt").write_text(MIXED, encoding="utf-8")
    (folder / "e_cut_utf8.txt").write_bytes(GOOD_TRADITIONAL.encode("utf-8")[:-1])  # cut inside the last char
    (folder / "f_good.pdf").write_bytes(make_pdf(PDF_PAGES))
    # bad files
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_bytes(b" \n\t\n  ")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    (folder / "control.txt").write_bytes(bytes(range(1, 9)) * 400)
    pdf = make_pdf(PDF_PAGES)
    (folder / "truncated.pdf").write_bytes(pdf[: len(pdf) * 2 // 3])
    (folder / "scan.pdf").write_bytes(make_pdf([[]], image_only=True))
    (folder / "locked.pdf").write_bytes(encrypt(pdf, "secret-user-pw"))
    zip_bomb(folder / "bomb.docx")
    (folder / "notzip.docx").write_bytes("其实是纯文本".encode())
    (folder / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    work = tmp_path_factory.mktemp("badbatch")
    make_batch(work / "docs")
    run = run_kg(["extract", "docs", "--report", "report.json", "-o", "out.jsonl"],
                 {"KG_DATA_DIR": str(work / "data")}, work, timeout_s=120)
    return work, run


def test_batch_exits_1_and_names_every_bad_file_with_its_reason(batch_run: tuple[Path, Run]) -> None:
    _, run = batch_run
    assert run.finished and run.code == 1, run.stderr
    flat = " ".join(run.stderr.split())  # the same text however the terminal wrapped it
    for name, needles in BAD.items():
        assert flat.count(f"skipped docs/{name}: ") == 1, (name, run.stderr)
        message = flat.split(f"skipped docs/{name}: ", 1)[1].split(" skipped ", 1)[0]
        for needle in needles:
            assert needle in message, (name, message)
    assert flat.count("skipped docs/") == len(BAD)
    assert f"{len(BAD)} file(s) skipped" in flat
    assert "Traceback" not in run.stderr


def test_each_skipped_file_is_exactly_one_stderr_line(batch_run: tuple[Path, Run]) -> None:
    work, run = batch_run
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    lines = run.stderr.splitlines()
    for item in report["skipped"]:
        assert f"skipped {item['path']}: {item['reason']}" in lines, item


def test_report_lists_every_skipped_file_with_its_reason(batch_run: tuple[Path, Run]) -> None:
    work, _ = batch_run
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    skipped = {Path(item["path"]).name: item["reason"] for item in report["skipped"]}
    assert set(skipped) == set(BAD)
    for name, needles in BAD.items():
        assert all(needle in skipped[name] for needle in needles), (name, skipped[name])


def test_good_files_in_the_same_batch_are_extracted(batch_run: tuple[Path, Run]) -> None:
    work, _ = batch_run
    records = [json.loads(line) for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    docs = {Path(r["path"]).name: r for r in records if r["record"] == "document"}
    assert set(docs) == {"a_simplified.txt", "b_gb18030.txt", "c_mislabelled.html", "d_mixed.txt",
                         "e_cut_utf8.txt", "f_good.pdf"}
    names = {r["name"] for r in records if r["record"] == "entity"}
    assert {"邓小平", "卓琳", "邓绍昌"} <= names  # from the UTF-8, GB18030 and mislabelled HTML files
    mentions = [r for r in records if r["record"] == "mention"]
    gb = next(d["id"] for n, d in docs.items() if n == "b_gb18030.txt")
    html = next(d["id"] for n, d in docs.items() if n == "c_mislabelled.html")
    assert any(m["doc"] == gb and m["text"] == "卓琳" for m in mentions)
    assert any(m["doc"] == html and m["text"] == "邓绍昌" for m in mentions)
    mixed = docs["d_mixed.txt"]["id"]
    assert any(m["doc"] == mixed and m["text"] == "卓琳" for m in mentions)


def _big_line(path: Path) -> None:
    unit = "广安县志记载：邓氏一族世居协兴乡牌坊村，耕读传家，乡人称之。".encode()
    with path.open("wb") as handle:
        for _ in range(BIG_LINE_MB * 2**20 // len(unit)):
            handle.write(unit)


@pytest.fixture(scope="module")
def big_line_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("bigline")
    (work / "docs").mkdir()
    _big_line(work / "docs" / "one_line.txt")
    assert (work / "docs" / "one_line.txt").stat().st_size > (BIG_LINE_MB - 1) * 2**20
    return work


@pytest.mark.slow
def test_50mb_single_line_loads_with_bounded_memory(big_line_dir: Path) -> None:
    """The loader alone: a 50 MB line decodes in a child process within a few file sizes of memory."""
    code = ("import sys; from pathlib import Path; from kg.documents import load_document; "
            "d = load_document(Path(sys.argv[1])); print(len(d.text), d.encoding)")
    env = {**os.environ, "KG_MAX_DOCUMENT_CHARS": str(BIG_LINE_MB * 2**20)}
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", code, str(big_line_dir / "docs" / "one_line.txt")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _peak_rss_kb(process.pid))
        time.sleep(0.05)
    out, err = process.communicate()
    assert process.returncode == 0, err.decode()
    chars, encoding = out.decode().split()
    assert encoding == "utf-8" and int(chars) > BIG_LINE_MB * 2**20 // 3 - 100
    assert peak / 1024 < 8 * BIG_LINE_MB + 200, f"peak RSS {peak / 1024:.0f} MB"
    assert time.monotonic() - start < 60


@pytest.mark.slow
def test_50mb_single_line_extract_is_refused_with_one_line(big_line_dir: Path) -> None:
    """17 million characters in one document are over the default ``max_document_chars``: refused in seconds,
    in bounded memory, with one line naming the file and telling the user what to do."""
    run = run_kg(["extract", "docs", "--report", "report.json", "-o", "out.jsonl"],
                 {"KG_DATA_DIR": str(big_line_dir / "data")}, big_line_dir, timeout_s=30, max_rss_mb=1600)
    assert run.finished, f"still running after {run.seconds:.0f} s, peak RSS {run.peak_rss_mb:.0f} MB"
    assert run.peak_rss_mb < 1536, f"peak RSS {run.peak_rss_mb:.0f} MB"
    assert run.code == 1 and "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if "one_line.txt: " in line]
    assert len(lines) == 1 and "KG_MAX_DOCUMENT_CHARS" in lines[0] and "characters" in lines[0]
    report = json.loads((big_line_dir / "report.json").read_text(encoding="utf-8"))
    assert "one_line.txt" in json.dumps(report, ensure_ascii=False)


def _varied_line(path: Path, chars: int) -> None:
    """One line of gazetteer-like sentences naming thousands of different people, places and offices."""
    rng = random.Random(7)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕丁沈姚卢"
    given = "国华明建文平志伟德永海林军春英秀兰光荣福成清云山川"
    places = ["广安县", "协兴乡", "岳池县", "武胜县", "邻水县", "眉山市", "洪雅县", "顺庆府", "合州", "渠县"]
    titles = ["县长", "知县", "知府", "书记", "主任", "教谕", "县丞"]
    forms = ["{p}{t}{n}到{q}调研。", "{n}，{p}人，{y}年任{q}{t}。", "{n}之子{m}迁居{q}。", "{y}年{n}与{m}修《{p}志》。"]
    parts: list[str] = []
    total = 0
    while total < chars:
        def person() -> str:
            return rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
        sentence = rng.choice(forms).format(n=person(), m=person(), p=rng.choice(places), q=rng.choice(places),
                                            t=rng.choice(titles), y=rng.randrange(1950, 2024))
        parts.append(sentence)
        total += len(sentence)
    path.write_text("".join(parts), encoding="utf-8")


@pytest.mark.slow
def test_million_character_single_line_extracts_in_bounded_memory(tmp_path: Path) -> None:
    """A county gazetteer in one line (600,000 characters naming tens of thousands of different people):
    extracted in about linear time and bounded memory (no per-document step may grow with people x people)."""
    (tmp_path / "docs").mkdir()
    _varied_line(tmp_path / "docs" / "county.txt", 600_000)
    run = run_kg(["extract", "docs", "-o", "out.jsonl"], {"KG_DATA_DIR": str(tmp_path / "data")}, tmp_path,
                 timeout_s=240, max_rss_mb=2000)
    assert run.finished and run.code == 0, run.stderr[-2000:]
    assert run.peak_rss_mb < 1500, f"peak RSS {run.peak_rss_mb:.0f} MB"
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    people = {r["name"] for r in records if r["record"] == "entity" and r["type"] == "PERSON"}
    assert len(people) > 10000
    assert sum(r["record"] == "relation" for r in records) > 10000
