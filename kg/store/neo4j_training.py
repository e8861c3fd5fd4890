"""The server run ``scripts/neo4j.sh install`` records the class-data archive from (``python -m
kg.store.neo4j_training``, started by the script only).

With ``KG_NEO4J_CDS_RECORDING`` set, the script gives the server a scratch data folder and
``-XX:ArchiveClassesAtExit``. This run does what the store does: a small ``kg load --bulk`` (import, start, schema
built over the imported nodes), the reads of the API and an incremental load, then stops the server, which writes
the archive of every class the server loaded meanwhile.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

from kg.ids import document_id, entity_id
from kg.models import (
    ENTITY_TYPES,
    RELATION_TYPES,
    DocumentRecord,
    EntityRecord,
    Evidence,
    MentionRecord,
    Record,
    RelationRecord,
)
from kg.settings import Settings
from kg.store.neo4j_bulk import bulk_load, local_neo4j, read_graph

NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"


def records(n_entities: int, n_relations: int, seed: int) -> Iterator[Record]:
    """A small graph with every entity and relation type, aliases, properties, mentions and evidence."""
    rnd = random.Random(seed)
    text = "邓氏族谱记载其先祖自江西吉安迁入广安。" * 20
    doc = document_id(text + str(seed))
    yield DocumentRecord(id=doc, path=f"training-{seed}.txt", chars=len(text), title="训练")
    ids = []
    for i in range(n_entities):
        etype = ENTITY_TYPES[i % len(ENTITY_TYPES)]
        name = "".join(rnd.choice(NAMES) for _ in range(3))
        eid = entity_id(etype, f"{name}#{seed}#{i}")
        ids.append(eid)
        yield EntityRecord(id=eid, type=etype, name=name, aliases=[name + "公"] if i % 5 == 0 else [],
                           properties={"note": name, "year": 1800 + i % 200} if i % 3 == 0 else {})
        if i % 10 == 0:
            start = i % (len(text) - 3)
            yield MentionRecord(doc=doc, start=start, end=start + 3, text=text[start:start + 3], type=etype,
                                entity=eid, confidence=0.9)
    for i in range(n_relations):
        start = i % 60
        yield RelationRecord(type=RELATION_TYPES[i % len(RELATION_TYPES)], source=rnd.choice(ids),
                             target=rnd.choice(ids), properties={"title": "知县"} if i % 4 == 0 else {},
                             evidence=[Evidence(doc=doc, start=start, end=start + 5, sentence=text[:19])],
                             confidence=0.8, component="training")


def main() -> None:
    if not os.environ.get("KG_NEO4J_CDS_RECORDING"):
        raise SystemExit("only `scripts/neo4j.sh install` runs this (on a scratch database it sets up)")
    home = Path(os.environ["KG_NEO4J_HOME"])
    password = os.environ.get("KG_NEO4J_PASSWORD") or (home / "password").read_text(encoding="utf-8")
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{os.environ['KG_NEO4J_BOLT_PORT']}", neo4j_user="neo4j",
                        neo4j_password=password, batch_size=500)
    server = local_neo4j(settings, home)
    from kg.store.neo4j_store import Neo4jStore

    try:
        bulk_load(read_graph(records(2000, 6000, seed=1)), settings, home=home)
        store = Neo4jStore(settings)
        try:
            store.load(records(100, 300, seed=2))
            nodes = list(store.all_entities())
            store.counts()
            for node in nodes[:10]:
                store.get_entity(node.id)
                store.neighbours(node.id, depth=2)
                store.events(node.id)
                store.search(node.name[:2])
                store.search(node.name, entity_type=node.type)
            store.paths(nodes[0].id, nodes[1].id)
            sum(1 for _ in store.all_relations())
        finally:
            store.close()
    finally:
        server.run("stop")


if __name__ == "__main__":
    main()
