"""Reflow, traditional→simplified and the offset map of kg.normalize."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.normalize import IGNORABLE, NormalizedText, compact, normalize, to_simplified

# The layout of a real 眉山 local-history bulletin as extracted from PDF: hard line breaks inside words
# and a blank line after every printed line.
BULLETIN = (
    "8月 3日，眉山市委党史研究室召开全体干部职工\n\n会，通报赴浙江省调研情况 ... 把《眉\n\n"
    "山年鉴（2024）》打造为精品年鉴 ... 洪雅县人民政府副县长某某到县地方志编纂中\n\n心调研指导"
)
BULLETIN_EXPECTED = (
    "8月3日，眉山市委党史研究室召开全体干部职工会，通报赴浙江省调研情况...把《眉山年鉴（2024）》"
    "打造为精品年鉴...洪雅县人民政府副县长某某到县地方志编纂中心调研指导"
)


def check_map(n: NormalizedText) -> None:
    """The invariants every NormalizedText must satisfy."""
    assert len(n.simplified) == len(n.text)
    offsets = n.offsets()
    assert list(offsets) == [n.raw_offset(i) for i in range(len(n.text))]
    assert all(a < b for a, b in itertools.pairwise(offsets))
    for i, ch in enumerate(n.text):
        if ch == "\n":
            assert n.raw[offsets[i]] in "\n\r\f\v\x1c\x1d\x1e\x85\u2028\u2029"
        elif ch == " ":
            assert n.raw[offsets[i]].isspace()
        else:
            assert n.raw[offsets[i]] == ch
    assert compact(n.raw) == compact(n.text)
    assert n.text == n.text.strip(" \n")
    assert "  " not in n.text and "\n\n" not in n.text and " \n" not in n.text and "\n " not in n.text


def test_bulletin_layout_is_reflowed() -> None:
    n = normalize(BULLETIN)
    assert n.text == BULLETIN_EXPECTED
    check_map(n)


def test_mention_across_a_line_break_maps_to_raw_span() -> None:
    n = normalize(BULLETIN)
    start = n.text.index("眉山年鉴")
    rs, re_ = n.raw_span(start, start + 4)
    assert BULLETIN[rs:re_] == "眉\n\n山年鉴"
    start = n.text.index("编纂中心")
    rs, re_ = n.raw_span(start, start + 4)
    assert compact(BULLETIN[rs:re_]) == "编纂中心"
    assert BULLETIN[rs] == "编" and BULLETIN[re_ - 1] == "心"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8月 3日", "8月3日"),
        ("2024 年 8 月", "2024年8月"),
        ("中\u3000文\t字", "中文字"),
        ("Hello   world  again", "Hello world again"),
        ("Deng\nXiaoping", "Deng Xiaoping"),
        ("使用 Python 编程", "使用Python编程"),
        ("情况 ... 把", "情况...把"),
        ("零\u200b宽\ufeff字\u00ad符", "零宽字符"),
        ("soft\u00adhyphen", "softhyphen"),
        ("\ufeff  开头和结尾  \n\n", "开头和结尾"),
        ("召开全体干部职工\r\n\r\n会议", "召开全体干部职工会议"),
        ("会议指出\n，要加强", "会议指出，要加强"),
        ("well-\nknown", "well-known"),
        ("1 2 3", "1 2 3"),
        ("全角　空格", "全角空格"),
    ],
)
def test_whitespace_rules(raw: str, expected: str) -> None:
    n = normalize(raw)
    assert n.text == expected
    check_map(n)


def test_sentence_end_inside_a_wrapped_paragraph_is_joined() -> None:
    # The line ends with 。 but the next line does not start like a new paragraph.
    assert normalize("会议传达了文件精神。\n\n会议要求各地认真落实。").text == "会议传达了文件精神。会议要求各地认真落实。"


def test_paragraph_break_kept_before_indented_line_and_date() -> None:
    raw = (
        "\u3000\u3000华阳国志者，记巴蜀之事也。其书凡十二卷，自远古至东晋，\n"
        "叙述详备，为方志之祖。后世修志者多\n取法焉。\n"
        "\u3000\u3000常璩，字道将，蜀郡江原人。仕成汉为散骑常侍，\n后入晋，撰此书以存乡邦文献。\n"
        "8月3日，市地方志办公室召开会议。"
    )
    n = normalize(raw)
    assert n.text.split("\n") == [
        "华阳国志者，记巴蜀之事也。其书凡十二卷，自远古至东晋，叙述详备，为方志之祖。后世修志者多取法焉。",
        "常璩，字道将，蜀郡江原人。仕成汉为散骑常侍，后入晋，撰此书以存乡邦文献。",
        "8月3日，市地方志办公室召开会议。",
    ]
    assert [n.text[a:b] for a, b in n.paragraphs] == n.text.split("\n")
    check_map(n)


def test_headings_and_one_paragraph_per_line_files_keep_their_lines() -> None:
    raw = "一、基本情况\n2024年，全市完成志书编纂。\n二、主要工作\n（一）组织机构\n市志办设三个科室。\n"
    assert normalize(raw).text == "一、基本情况\n2024年，全市完成志书编纂。\n二、主要工作\n（一）组织机构\n市志办设三个科室。"
    per_line = "邓小平生于广安。\n他早年赴法勤工俭学。\n后来回国参加革命。\n晚年倡导改革开放。\n"
    assert normalize(per_line).text == per_line.strip()


def test_character_order_is_never_changed() -> None:
    raw = "甲 乙\n丙\u3000丁\r\n\r\n戊 a b\tc 己"
    n = normalize(raw)
    assert compact(n.text) == compact(raw) == "甲乙丙丁戊abc己"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("華陽國志", "华阳国志"), ("縣誌", "县志"), ("鄧小平", "邓小平"), ("廣安", "广安"), ("乾隆", "乾隆"),
     ("蘇軾", "苏轼"), ("臺灣", "台湾")],
)
def test_traditional_to_simplified(traditional: str, simplified: str) -> None:
    assert to_simplified(traditional) == simplified
    assert normalize(traditional).simplified == simplified


def test_full_width_folding_only_in_simplified() -> None:
    n = normalize("《眉山年鑑（２０２４）》ＡＢＣ，ｘｙｚ。、")
    assert n.simplified == "《眉山年鉴（2024）》ABC，xyz。、"
    assert n.text == "《眉山年鑑（２０２４）》ＡＢＣ，ｘｙｚ。、"


def test_empty_and_blank_input() -> None:
    for raw in ("", "   \n\n\u3000", "\u200b"):
        n = normalize(raw)
        assert n.text == "" and n.simplified == "" and n.paragraphs == [(0, 0)]
        assert n.raw_span(0, 0) == (0, 0)


def test_span_validation_and_empty_spans() -> None:
    n = normalize("  中 文  ")
    assert n.text == "中文"
    assert n.raw_span(0, 2) == (2, 5)
    assert n.raw_span(1, 1) == (4, 4)
    assert n.raw_span(2, 2) == (5, 5)
    with pytest.raises(IndexError):
        n.raw_span(1, 3)
    with pytest.raises(IndexError):
        n.raw_offset(2)


TOKENS = [
    *"眉山年鉴邓小平广安县志中文字會議華陽國誌鄧廣縣", *"abcXYZ", *"0123456789", *"ＡＢ０１２（）《》，。、！？；：…”」",
    " ", "  ", "\t", "\u3000", "\u3000\u3000", "\n", "\r\n", "\n\n", "\r\n\r\n", "\n\u3000\u3000", "\f",
    *IGNORABLE[:4], "\ufeff", "\u00ad", "2024年", "8月 3日", "Deng Xiaoping", "第一章", "一、", "-",
]
raw_texts = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(raw=raw_texts, data=st.data())
def test_property_spans_map_back_to_raw(raw: str, data: st.DataObject) -> None:
    n = normalize(raw)
    check_map(n)
    if n.text:
        start = data.draw(st.integers(0, len(n.text)))
        end = data.draw(st.integers(start, len(n.text)))
        rs, re_ = n.raw_span(start, end)
        assert 0 <= rs <= re_ <= len(raw)
        assert compact(raw[rs:re_]) == compact(n.text[start:end])


@settings(max_examples=200, deadline=None)
@given(raw=raw_texts)
def test_property_single_line_normalisation_is_idempotent(raw: str) -> None:
    n = normalize(raw)
    if "\n" not in n.text:
        assert normalize(n.text).text == n.text


def test_throughput_is_linear_and_fast() -> None:
    unit = "8月 3日，眉山市委党史研究室召开全体干部职工会，通报赴浙江省調研情況 ... 把《眉\n\n山年鑑（２０２４）》。 "
    small = unit * 5_000
    big = small * 8
    t0 = time.perf_counter()
    normalize(small)
    t1 = time.perf_counter()
    n = normalize(big)
    t2 = time.perf_counter()
    assert len(n.simplified) == len(n.text)
    # Generous bounds (the machine is shared): >= 0.5 M chars/s and no worse than ~linear growth.
    assert len(big) / (t2 - t1) > 500_000
    assert (t2 - t1) < 8 * (t1 - t0) * 3


def test_title_and_header_lines_before_indented_paragraphs_keep_their_break() -> None:
    raw = "邓小平\n\n　　邓小平（1904—1997），原名邓先圣。\n　　1920年夏，赴法国勤工俭学。\n"
    assert normalize(raw).text.startswith("邓小平\n邓小平（1904—1997）")
    header = "某市地方志工作简报\n某市委党史研究室　　2024年8月12日\n\n　　8月3日，召开会议。\n"
    assert "2024年8月12日\n8月3日" in normalize(header).text
