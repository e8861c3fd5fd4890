"""Graph exports for other tools: GraphML (Gephi, yEd, networkx) and neo4j-admin import CSV.

Both read only the :class:`kg.store.base.GraphStore` protocol, so they work from either store, and both stream
(entities and relations are written as they are read).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

from kg.pinyin import name_pinyin
from kg.store.base import EdgeView, GraphStore, NodeView
from ontology.namespace import NEO4J_LABEL

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
ARRAY_DELIMITER = ";"
"""neo4j-admin's default ``--array-delimiter``; a ``;`` inside an array element is written as ``；`` (U+FF1B)."""

NODE_KEYS: tuple[tuple[str, str], ...] = (
    ("type", "string"), ("name", "string"), ("aliases", "string"), ("properties", "string"),
)
EDGE_KEYS: tuple[tuple[str, str], ...] = (
    ("type", "string"), ("confidence", "double"), ("component", "string"), ("properties", "string"),
    ("evidence", "string"),
)
NODE_HEADER = ["id:ID", ":LABEL", "type", "name", "aliases:string[]", "pinyin:string[]", "properties_json"]
RELATIONSHIP_HEADER = [":START_ID", ":END_ID", ":TYPE", "id", "confidence:double", "component", "properties_json",
                       "evidence_json"]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _node_data(node: NodeView) -> dict[str, str]:
    return {"type": node.type, "name": node.name, "aliases": ARRAY_DELIMITER.join(node.aliases),
            "properties": _json(node.properties)}


def _edge_data(edge: EdgeView) -> dict[str, str]:
    data = {"type": edge.type, "component": edge.component or "", "properties": _json(edge.properties),
            "evidence": _json([e.model_dump(exclude_none=True) for e in edge.evidence])}
    if edge.confidence is not None:
        data["confidence"] = repr(float(edge.confidence))
    return data


def export_graphml(store: GraphStore, path: str | Path) -> dict[str, int]:
    """Write every entity and relation as one directed GraphML graph; returns ``{"nodes": n, "edges": n}``.

    Node ids are entity ids, edge ids relation ids; data keys ``type``, ``name``, ``aliases`` (``;``-joined),
    ``properties`` (JSON) on nodes and ``type``, ``confidence``, ``component``, ``properties``, ``evidence``
    (JSON) on edges.
    """
    counts = {"nodes": 0, "edges": 0}
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("graphml", nsmap={None: GRAPHML_NS}):
            for domain, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
                for name, kind in keys:
                    xf.write(etree.Element("key", {"id": f"{domain[0]}_{name}", "for": domain,
                                                   "attr.name": name, "attr.type": kind}))
            with xf.element("graph", {"id": "kg", "edgedefault": "directed"}):
                for node in store.all_entities():
                    el = etree.Element("node", {"id": node.id})
                    for key, value in _node_data(node).items():
                        etree.SubElement(el, "data", {"key": f"n_{key}"}).text = value
                    xf.write(el)
                    counts["nodes"] += 1
                for edge in store.all_relations():
                    el = etree.Element("edge", {"id": edge.id, "source": edge.source, "target": edge.target})
                    for key, value in _edge_data(edge).items():
                        etree.SubElement(el, "data", {"key": f"e_{key}"}).text = value
                    xf.write(el)
                    counts["edges"] += 1
    return counts


def _array(values: list[str]) -> str:
    return ARRAY_DELIMITER.join(v.replace(ARRAY_DELIMITER, "\uff1b") for v in values)


def export_neo4j_admin_csv(store: GraphStore, folder: str | Path) -> dict[str, int]:
    """Write ``entities.csv`` and ``relations.csv`` of ``store`` for ``neo4j-admin database import full``
    (see :func:`write_neo4j_admin_csv`)."""
    return write_neo4j_admin_csv(store.all_entities(), store.all_relations(), folder)


def write_neo4j_admin_csv(nodes: Iterable[NodeView], edges: Iterable[EdgeView], folder: str | Path) -> dict[str, int]:
    """Write ``entities.csv`` and ``relations.csv`` for ``neo4j-admin database import full``, streaming.

    Import with ``neo4j-admin database import full --nodes=entities.csv --relationships=relations.csv neo4j``
    (defaults: ``,`` delimiter, ``;`` array delimiter, ``"`` quote). Nodes get the labels ``Entity`` and their
    type label (``Person``…) and the ``pinyin`` of their name, as the Neo4j store gives them; properties and
    evidence travel as JSON (``properties_json``, ``evidence_json``), which the Neo4j store reads back.
    Returns ``{"nodes": n, "relationships": n}``.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    counts = {"nodes": 0, "relationships": 0}
    with (out / "entities.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NODE_HEADER)
        for node in nodes:
            labels = ARRAY_DELIMITER.join(["Entity", NEO4J_LABEL[node.type]])
            writer.writerow([node.id, labels, node.type, node.name, _array(node.aliases),
                             _array(name_pinyin(node.name)), _json(node.properties)])
            counts["nodes"] += 1
    with (out / "relations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(RELATIONSHIP_HEADER)
        for edge in edges:
            writer.writerow([edge.source, edge.target, edge.type, edge.id,
                             "" if edge.confidence is None else repr(float(edge.confidence)), edge.component or "",
                             _json(edge.properties), _json([e.model_dump(exclude_none=True) for e in edge.evidence])])
            counts["relationships"] += 1
    return counts
