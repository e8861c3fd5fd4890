"""A synthetic graph of a given size, in the record format of `kg extract` (deterministic).

    python -m benchmarks.graph_gen --entities 100000 --relations 300000 > /tmp/big.jsonl

Names are random surname + given-name pairs, places and organisations carry real-looking
suffixes, and every relation has one evidence sentence, as extraction output does.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator

from kg.ids import document_id, entity_id
from kg.models import DocumentRecord, EntityRecord, Evidence, Record, RelationRecord

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "明华国建文军平志伟东海强晓光林玉英秀兰芳丽敏静杰涛斌超波刚勇毅俊峰磊鹏辉洪清先圣希贤绍昌朴方榕楠质德仁义礼智信忠孝廉耻"
PLACE_SUFFIX = ["县", "乡", "镇", "村", "州", "府"]
ORG_SUFFIX = ["地方志办公室", "党史研究室", "人民政府", "档案馆", "纪念馆", "中学", "编纂中心"]
EVENT_KIND = ["会议", "座谈会", "调研", "评审会", "起义"]
REL_TYPES = [("PARENT_OF", "PERSON", "PERSON", 0.25), ("SPOUSE_OF", "PERSON", "PERSON", 0.08),
             ("SIBLING_OF", "PERSON", "PERSON", 0.07), ("HOLDS_POSITION", "PERSON", "ORG", 0.2),
             ("PARTICIPATED_IN", "PERSON", "EVENT", 0.15), ("LOCATED_IN", "ORG", "PLACE", 0.1),
             ("PART_OF", "PLACE", "PLACE", 0.05), ("HAPPENED_AT", "EVENT", "PLACE", 0.1)]


def generate(n_entities: int, n_relations: int, seed: int = 42) -> Iterator[Record]:
    rnd = random.Random(seed)
    doc_text = "合成基准文档。" * 10
    doc = document_id(doc_text + str(seed))
    yield DocumentRecord(id=doc, path="synthetic.txt", chars=len(doc_text))
    shares = {"PERSON": 0.6, "PLACE": 0.15, "ORG": 0.15, "EVENT": 0.1}
    by_type: dict[str, list[str]] = {t: [] for t in shares}
    for i in range(n_entities):
        r, acc, etype = rnd.random(), 0.0, "PERSON"
        for t, s in shares.items():
            acc += s
            if r < acc:
                etype = t
                break
        base = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        props: dict[str, object] = {}
        if etype == "PERSON":
            name = base
        elif etype == "PLACE":
            name = base[1:] + rnd.choice(PLACE_SUFFIX) if len(base) > 2 else base + "村"
        elif etype == "ORG":
            name = base + rnd.choice(ORG_SUFFIX)
        else:
            name = base + rnd.choice(EVENT_KIND)
            props["date"] = f"{rnd.randint(1400, 2024)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        key = f"{name}#{i}"
        eid = entity_id(etype, key)
        by_type[etype].append(eid)
        aliases = [name + "同志"] if etype == "PERSON" and rnd.random() < 0.1 else []
        yield EntityRecord(id=eid, type=etype, name=name, aliases=aliases, properties=props)
    weights = [w for *_, w in REL_TYPES]
    for i in range(n_relations):
        rtype, st, tt, _ = rnd.choices(REL_TYPES, weights)[0]
        src, dst = rnd.choice(by_type[st]), rnd.choice(by_type[tt])
        if src == dst:
            continue
        props = {"title": rnd.choice(["主任", "副县长", "知县", "馆长"])} if rtype == "HOLDS_POSITION" else {}
        s = rnd.randint(0, 60)
        yield RelationRecord(type=rtype, source=src, target=dst, properties=props,
                             evidence=[Evidence(doc=doc, start=s, end=s + 7, sentence="合成基准文档。")],
                             confidence=0.8, component="benchmark")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--relations", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    out = sys.stdout
    for rec in generate(args.entities, args.relations, args.seed):
        out.write(json.dumps(rec.model_dump(exclude_none=True), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
