"""Rows of the Neo4j store: records → ``UNWIND`` parameter rows, and stored maps → view models."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from kg.models import EntityRecord, Evidence, RelationRecord
from kg.pinyin import name_pinyin
from kg.store.base import EdgeView, NodeView


def flat_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Each property as ``pj_<key>`` (its JSON) and ``p_<key>`` (the scalar, queryable in Cypher; null, which
    removes a stale one on merge, when the value is not a scalar)."""
    flat: dict[str, Any] = {}
    for key, value in properties.items():
        flat[f"pj_{key}"] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        scalar = isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value))
        flat[f"p_{key}"] = value if scalar else None
    return flat


def stored_properties(row: dict[str, Any]) -> dict[str, Any]:
    """The record properties of a stored node or relationship (``properties_json`` of a neo4j-admin import,
    overridden by the ``pj_<key>`` ones)."""
    props: dict[str, Any] = json.loads(row.get("properties_json") or "{}")
    for key, value in row.items():
        if key.startswith("pj_"):
            props[key[3:]] = json.loads(value)
    return dict(sorted(props.items()))


def node_view(row: dict[str, Any]) -> NodeView:
    return NodeView(id=row["id"], type=row["type"], name=row["name"], aliases=sorted(row.get("aliases") or []),
                    properties=stored_properties(row))


def edge_view(row: dict[str, Any]) -> EdgeView:
    if row.get("evidence"):
        found = [Evidence.model_validate_json(e) for e in row["evidence"]]
    else:  # a relationship imported by neo4j-admin (kg.export_formats) carries its evidence as one JSON list
        found = [Evidence.model_validate(e) for e in json.loads(row.get("evidence_json") or "[]")]
    evidence = sorted(found, key=lambda e: (e.doc, e.start, e.end))
    return EdgeView(id=row["id"], type=row["type"], source=row["source"], target=row["target"],
                    properties=stored_properties(row), evidence=evidence,
                    confidence=row.get("confidence"), component=row.get("component"))


def entity_row(ent: EntityRecord) -> dict[str, Any]:
    props = {"type": ent.type, "name": ent.name, "pinyin": name_pinyin(ent.name), **flat_properties(ent.properties)}
    return {"id": ent.id, "props": props, "aliases": sorted(set(ent.aliases))}


def relation_row(rid: str, rel: RelationRecord) -> dict[str, Any]:
    props = flat_properties(rel.properties)
    if rel.confidence is not None:
        props["confidence"] = rel.confidence
    if rel.component:
        props["component"] = rel.component
    return {"id": rid, "source": rel.source, "target": rel.target, "props": props,
            "ev_keys": [f"{e.doc}|{e.start}|{e.end}" for e in rel.evidence],
            "ev_json": [e.model_dump_json() for e in rel.evidence],
            "ev_sentence": [e.sentence is not None for e in rel.evidence]}


def lucene_phrase(needle: str) -> str:
    """``needle`` as one quoted Lucene phrase (every query-syntax character escaped)."""
    return '"' + re.sub(r'([+\-!(){}\[\]^"~*?:\\/&|])', r"\\\1", needle) + '"'
