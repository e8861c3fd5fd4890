"""Character clusters and jieba word tags as CRF features, and the rule fixes found on held-out MSRA sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from ner.clusters import build_clusters, read_clusters, write_clusters
from ner.components import _closed_within, _opened_within, _paired_single_names
from ner.corpora import read_corpus
from ner.crf import CrfTagger, ModelMeta, clusters_path_for
from ner.features import FeatureExtractor
from ner.rules import Candidate, extend_places, find_orgs
from ner.train import train_model

FIXTURES = Path(__file__).parent / "fixtures" / "ner"

TEXTS = ["王明到北京。", "李明到上海。", "张华到北京。", "王华到天津。", "李华回上海。", "张明回天津。"] * 3


def test_clusters_group_chars_by_context_and_round_trip(tmp_path: Path) -> None:
    clusters = build_clusters(TEXTS, min_count=2, contexts=50, dims=4, fine=4, coarse=2)
    assert build_clusters(TEXTS, min_count=2, contexts=50, dims=4, fine=4, coarse=2) == clusters
    assert clusters["王"][0] == clusters["李"][0] == clusters["张"][0]
    assert clusters["王"][0] != clusters["北"][0]
    path = tmp_path / "c.tsv"
    write_clusters(path, clusters)
    restored = read_clusters(path)
    assert restored == {c: (str(f), str(k)) for c, (f, k) in clusters.items()}
    path.write_text("4e00\t1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="ner.clusters"):
        read_clusters(path)


def test_cluster_and_word_tag_features() -> None:
    clusters = {"王": ("7", "1"), "明": ("3", "2")}
    row = FeatureExtractor(2, clusters=clusters).extract("王明到")[0]
    assert {"Q0=7", "Q1=3", "Q2=-", "Q-1=^", "R0=1", "R1=2", "QL=^|7", "QR=7|3"} <= set(row)
    half_width = FeatureExtractor(1, clusters={"２": ("5", "0")}).extract("2日")[0]
    assert "Q0=5" in half_width  # normalised text meets the full-width MSRA clusters
    tagged = FeatureExtractor(2, words=True, word_tags=True).extract("毛泽东到北京")
    assert "GT=Bnr" in tagged[0] and "GTN=v" in tagged[0] and "GTP=v" in tagged[4]


def test_train_with_clusters_round_trip(tmp_path: Path) -> None:
    sentences = list(read_corpus(FIXTURES / "msra_tab.bio"))
    source = tmp_path / "clusters.tsv"
    write_clusters(source, build_clusters([t for t, _ in sentences], min_count=1, contexts=50, dims=4, fine=4,
                                          coarse=2))
    meta = ModelMeta(c1=0.0, c2=0.01, max_iterations=30, words=True, word_tags=True, clusters=True)
    out, _ = train_model(sentences * 3, tmp_path / "m.crfsuite", meta, verbose=False, clusters=source)
    assert clusters_path_for(out).read_text("utf-8") == source.read_text("utf-8")
    tagger = CrfTagger.load(out)
    assert tagger.meta == meta and tagger.extractor.clusters
    clusters_path_for(out).unlink()
    with pytest.raises(FileNotFoundError, match="clusters"):
        CrfTagger.load(out)
    with pytest.raises(ValueError, match="cluster file"):
        train_model(sentences, tmp_path / "n.crfsuite", meta, verbose=False)


def test_admin_character_inside_a_word_is_no_org_prefix() -> None:
    def orgs(text: str) -> list[str]:
        return [text[c.start:c.end] for c in find_orgs(text, [])]

    assert orgs("利用上市公司的融资功能") == []
    assert orgs("乡镇纪委介入") == [] and orgs("一些市县政府在组织") == []
    assert orgs("到县地方志编纂中心") == ["县地方志编纂中心"]
    assert orgs("经市志办审定") == ["市志办"]


def test_generic_words_are_no_lower_place_level() -> None:
    def tails(text: str, place: tuple[int, int]) -> list[str]:
        return [text[c.start:c.end] for c in extend_places(text, [place])]

    assert tails("中国农村一个村子", (0, 2)) == []
    assert tails("广安县协兴乡牌坊村", (0, 3)) == ["协兴乡", "牌坊村"]


def test_model_span_keeps_a_bracket_closed_inside_it() -> None:
    text = "据《集邮》杂志报道，叶超）说"
    assert _closed_within(text, 1, 7) and not _closed_within(text, 10, 13)
    assert _opened_within(text, 0, 5) and not _opened_within(text, 10, 13)
    assert not _closed_within(text, 1, 5) and not _opened_within(text, 2, 5)  # 《集邮》 alone loses both


def test_one_character_names_side_by_side() -> None:
    found = [Candidate(0, 1, "PERSON", 60, "crf"), Candidate(1, 2, "PERSON", 60, "crf"),
             Candidate(5, 6, "PERSON", 60, "crf")]
    assert _paired_single_names(found) == {(0, 1), (1, 2)}
