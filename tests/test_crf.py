"""The character CRF: features, tag encoding, sentence chunking, training round trip and the shipped model."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ner.corpora import read_corpus
from ner.crf import (
    DEFAULT_MODEL,
    CrfTagger,
    ModelMeta,
    lexicon_path_for,
    meta_path_for,
    sentence_chunks,
    spans_to_tags,
    tags_to_spans,
)
from ner.features import EntityLexicon, FeatureExtractor, char_class, surnames
from ner.train import train_model

FIXTURES = Path(__file__).parent / "fixtures" / "ner"


@pytest.fixture(scope="module")
def shipped() -> CrfTagger:
    return CrfTagger.load()


def entities(text: str, spans: list[tuple[int, int, str]]) -> set[tuple[str, str]]:
    return {(text[s:e], label) for s, e, label in spans}


def assert_valid_offsets(text: str, spans: list[tuple[int, int, str]]) -> None:
    previous_end = 0
    for start, end, label in spans:
        assert 0 <= start < end <= len(text)
        assert start >= previous_end, "spans must be sorted and must not overlap"
        assert label in {"PERSON", "PLACE", "ORG"}
        previous_end = end


def test_shipped_model_finds_person_and_places(shipped: CrfTagger) -> None:
    text = "邓小平出生于四川省广安县。"
    spans = shipped.tag(text)
    assert_valid_offsets(text, spans)
    found = entities(text, spans)
    assert ("邓小平", "PERSON") in found
    places = "".join(text[s:e] for s, e, label in spans if label == "PLACE")
    assert "四川省" in places and "广安县" in places


def test_shipped_model_finds_organisation(shipped: CrfTagger) -> None:
    text = "眉山市委党史研究室召开会议，研究室主任张大明主持。"
    spans = shipped.tag(text)
    assert_valid_offsets(text, spans)
    orgs = [text[s:e] for s, e, label in spans if label == "ORG"]
    assert any(org.endswith("党史研究室") and org.startswith("眉山") for org in orgs), orgs
    assert ("张大明", "PERSON") in entities(text, spans)


def test_shipped_model_on_news_and_long_text(shipped: CrfTagger) -> None:
    sentence = "国务院总理李鹏今天在北京会见了美国国务卿奥尔布赖特。"
    found = entities(sentence, shipped.tag(sentence))
    assert {("李鹏", "PERSON"), ("北京", "PLACE")} <= found
    long_text = "，".join([sentence[:-1]] * 30) + "。" + "\n" + sentence
    spans = shipped.tag(long_text)
    assert_valid_offsets(long_text, spans)
    assert sum(1 for s, e, label in spans if long_text[s:e] == "李鹏" and label == "PERSON") >= 25
    batch = shipped.tag_many([sentence, "", long_text])
    assert batch[0] == shipped.tag(sentence) and batch[1] == [] and batch[2] == spans
    assert set(shipped.labels()) >= {"O", "B-PERSON", "E-PLACE", "S-PLACE"}


def test_load_reports_missing_model(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ner.train"):
        CrfTagger.load(tmp_path / "absent.crfsuite")
    assert DEFAULT_MODEL.name == "crf.crfsuite.gz"
    assert meta_path_for(DEFAULT_MODEL).name == "crf.meta.json"


def test_train_round_trip_on_fixtures(tmp_path: Path) -> None:
    sentences = [
        (text, [s for s in spans if s[2] in {"PERSON", "PLACE", "ORG"}])
        for name in ("msra_tab.bio", "pd_space.bio", "renmin_fragments.bmes")
        for text, spans in read_corpus(FIXTURES / name)
    ]
    meta = ModelMeta(radius=2, c1=0.0, c2=0.01, max_iterations=80, sentences=len(sentences))
    out, _ = train_model(sentences * 3, tmp_path / "tiny.crfsuite.gz", meta, verbose=False)
    assert out.read_bytes()[:2] == b"\x1f\x8b" and meta_path_for(out).is_file()
    tagger = CrfTagger.load(out)
    assert tagger.meta == meta
    text, gold = sentences[0]
    assert tagger.tag(text) == sorted(gold)


def test_span_tag_round_trip() -> None:
    spans = [(0, 3, "PERSON"), (6, 9, "PLACE"), (9, 10, "PLACE")]
    bioes = spans_to_tags(12, spans, "BIOES")
    assert bioes[:4] == ["B-PERSON", "I-PERSON", "E-PERSON", "O"] and bioes[9] == "S-PLACE"
    assert tags_to_spans(bioes) == spans
    bio = spans_to_tags(12, spans, "BIO")
    assert bio[9] == "B-PLACE" and tags_to_spans(bio) == spans
    assert tags_to_spans(["I-ORG", "I-ORG", "B-ORG", "O", "E-PLACE"]) == [
        (0, 2, "ORG"),
        (2, 3, "ORG"),
        (4, 5, "PLACE"),
    ]
    assert spans_to_tags(4, [(0, 3, "ORG"), (1, 2, "PERSON")], "BIO") == ["B-ORG", "I-ORG", "I-ORG", "O"]


def test_sentence_chunks_cover_text_and_respect_limit() -> None:
    text = "第一句。第二句！\n\n" + "很长的句子，" * 60 + "无标点" * 100 + "。结尾"
    chunks = sentence_chunks(text)
    assert chunks[0] == (0, 4) and text[chunks[1][0] : chunks[1][1]].startswith("第二句！")
    assert all(0 < end - start <= 200 for start, end in chunks)
    covered = "".join(text[s:e] for s, e in chunks)
    assert covered.replace("\n", "") == text.replace("\n", "")
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(chunks))
    soft_cut = next(end for start, end in chunks if end - start > 150)
    assert text[soft_cut - 1] == "，"
    assert sentence_chunks("") == [] and sentence_chunks("\n \n") == []


def test_features_shape_and_lexicon_flags() -> None:
    extractor = FeatureExtractor(radius=2)
    text = "欧阳修到眉山市委"
    features = extractor.extract(text)
    assert len(features) == len(text)
    first = set(features[0])
    assert {"b", "U0=欧", "U-1=\x02", "B0=欧阳", "T=\x02欧阳", "K=^HH", "C=01"} <= first
    assert "P=100" in features[6]  # 市 ends a place suffix at 0, and 委 is not one
    assert "O=010" in features[6]  # 委 (an organisation suffix) ends at +1
    assert extractor.extract("") == []
    assert [char_class(c) for c in "汉1aA，α "] == ["H", "D", "L", "L", "P", "L", "W"]
    single, compound = surnames()
    assert {"邓", "王", "李"} <= single and {"欧阳", "诸葛", "司马"} <= compound
    with pytest.raises(ValueError, match="radius"):
        FeatureExtractor(radius=9)


def test_entity_lexicon_matching_and_jackknife() -> None:
    sentences = [
        ("邓小平在北京", [(0, 3, "PERSON"), (4, 6, "PLACE")]),
        ("北京大学", [(0, 4, "ORG")]),
        ("李鹏到北京", [(0, 2, "PERSON"), (3, 5, "PLACE")]),
    ]
    full, folds = EntityLexicon.from_sentences(sentences, folds=3)
    assert set(full.entries) == {"邓小平", "北京", "北京大学", "李鹏"}
    assert full.match_tags("北京大学的邓小平") == ["OBB", "OEI", "OOI", "OOE", "OOO", "BOO", "IOO", "EOO"]
    # fold 1 holds sentence 1 only, so its lexicon lacks 北京大学 but keeps 北京 (seen in folds 0 and 2)
    assert "北京大学" not in folds[1].entries and "北京" in folds[1].entries
    assert "北京" in folds[0].entries and "邓小平" not in folds[0].entries
    restored = EntityLexicon.from_text(full.to_text())
    assert restored.entries == full.entries
    assert full.match_tags("") == [] and full.match_tags("无") == ["OOO"]


def test_train_with_entity_lexicon_round_trip(tmp_path: Path) -> None:
    sentences = [(text, spans) for text, spans in read_corpus(FIXTURES / "msra_tab.bio")]
    meta = ModelMeta(c1=0.0, c2=0.01, max_iterations=50, entity_lexicon=True, lexicon_folds=2)
    out, _ = train_model(sentences * 4, tmp_path / "lex.crfsuite", meta, verbose=False)
    assert lexicon_path_for(out).is_file()
    tagger = CrfTagger.load(out)
    assert tagger.extractor.entity_lexicon is not None
    assert {"邓小平", "四川省", "北京"} <= set(tagger.extractor.entity_lexicon.entries)
    assert "眉山市委党史研究室" not in tagger.extractor.entity_lexicon.entries  # longer than max_len 8
    assert any(feature.startswith("X=") for feature in tagger.extractor.extract("邓小平")[0])
    lexicon_path_for(out).unlink()
    with pytest.raises(FileNotFoundError, match="lexicon"):
        CrfTagger.load(out)
