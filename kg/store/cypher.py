"""Every Cypher statement of the Neo4j store, as builder functions.

Values always travel as parameters. Labels and relationship types cannot be parameters, so the functions that
need one take it from a fixed allow-list (the record entity types and ``kg.models.RELATION_TYPES``) and raise
``ValueError`` for anything else: no user text ever reaches a query string.

Graph shape: ``(:Entity:<Label> {id, type, name, aliases, pinyin, pj_<key>…, p_<key>…})``,
``(:Document {id, path, date, sha256, chars, title, text})``,
``(:Mention {id, doc, start, end, text, type, …})-[:REFERS_TO]->(:Entity)`` and ``-[:IN_DOCUMENT]->(:Document)``,
and one relationship type per relation type between entities, e.g. ``(:Entity)-[:PARENT_OF {id, …}]->(:Entity)``.
Each property of a record is kept twice: ``pj_<key>`` (its JSON, so ``SET x += row.props`` merges a re-load key
by key in Cypher) and ``p_<key>`` (the scalar itself, queryable). Evidence of a relation is the list ``evidence``
(JSON strings) with the parallel list ``evidence_keys`` (``doc|start|end``), united in Cypher on re-load.
"""

from __future__ import annotations

from typing import Any

from kg.models import ENTITY_TYPES, RELATION_TYPES
from ontology.namespace import NEO4J_LABEL

Statement = tuple[str, dict[str, Any]]

FULLTEXT_INDEX = "entity_names"
"""Full-text index over Entity name, aliases and pinyin, with the ``cjk`` (bigram) analyzer."""

TYPE_LABELS: tuple[str, ...] = tuple(NEO4J_LABEL[t] for t in ENTITY_TYPES)

_NODE_VIEW = "e {.*, pinyin: null}"
_EDGE_VIEW = "r {.*, type: type(r), source: startNode(r).id, target: endNode(r).id, evidence_keys: null}"
MAX_DEPTH = 6
"""Deepest neighbourhood and longest path one query expands (the API allows 3 and 4)."""


def type_label(entity_type: str) -> str:
    """The Neo4j label of a record entity type (``PERSON`` → ``Person``); only the ontology's types."""
    if entity_type not in NEO4J_LABEL:
        raise ValueError(f"unknown entity type {entity_type!r}; expected one of {', '.join(ENTITY_TYPES)}")
    return NEO4J_LABEL[entity_type]


def relationship_type(relation_type: str) -> str:
    """A relationship type checked against ``kg.models.RELATION_TYPES`` (never built from user input)."""
    if relation_type not in RELATION_TYPES:
        raise ValueError(f"unknown relation type {relation_type!r}; expected one of {', '.join(RELATION_TYPES)}")
    return relation_type


# ---------------------------------------------------------------------------------------------- schema
def schema_statements() -> list[str]:
    """Uniqueness constraints (which also index the ids) and the CJK full-text index; all idempotent."""
    statements = [
        "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (e:Entity) REQUIRE e.id IS UNIQUE",
        "CREATE CONSTRAINT document_id IF NOT EXISTS FOR (d:Document) REQUIRE d.id IS UNIQUE",
        "CREATE CONSTRAINT mention_id IF NOT EXISTS FOR (m:Mention) REQUIRE m.id IS UNIQUE",
        "CREATE INDEX entity_type IF NOT EXISTS FOR (e:Entity) ON (e.type)",
        (f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (e:Entity) ON EACH [e.name, e.aliases, e.pinyin] "
         "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk', `fulltext.eventually_consistent`: false}}"),
    ]
    for rel in RELATION_TYPES:
        statements.append(
            f"CREATE CONSTRAINT rel_{rel.lower()}_id IF NOT EXISTS FOR ()-[r:{relationship_type(rel)}]-() "
            "REQUIRE r.id IS UNIQUE"
        )
    return statements


def await_indexes(timeout_s: int = 300) -> Statement:
    return "CALL db.awaitIndexes($timeout)", {"timeout": timeout_s}


def show_constraints() -> str:
    return "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type RETURN name, labelsOrTypes, properties, type"


def show_fulltext_indexes() -> str:
    return ("SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options "
            "RETURN name, labelsOrTypes, properties, options")


# ---------------------------------------------------------------------------------------------- writes
def upsert_documents(rows: list[dict[str, Any]]) -> Statement:
    """Rows ``{id, props}``; a null in ``props`` removes that property (as a re-load without it should)."""
    return "UNWIND $rows AS row MERGE (d:Document {id: row.id}) SET d += row.props", {"rows": rows}


def set_document_texts(rows: list[dict[str, Any]]) -> Statement:
    """Rows ``{id, text}``: the raw text, used for mention sentences."""
    return "UNWIND $rows AS row MERGE (d:Document {id: row.id}) SET d.text = row.text", {"rows": rows}


def upsert_entities(entity_type: str, rows: list[dict[str, Any]]) -> Statement:
    """Rows ``{id, props, aliases}``: ``props`` is merged into the node (a null removes that key), ``aliases``
    united with the stored ones; no read-back, so one statement per batch and type."""
    label = type_label(entity_type)
    others = ":".join(lab for lab in TYPE_LABELS if lab != label)
    query = (
        "UNWIND $rows AS row MERGE (e:Entity {id: row.id}) "
        "ON CREATE SET e += row.props, e.aliases = row.aliases "
        "ON MATCH SET e += row.props, e.aliases = coalesce(e.aliases, []) "
        "+ [a IN row.aliases WHERE NOT a IN coalesce(e.aliases, [])] "
        f"SET e:{label} REMOVE e:{others}"
    )
    return query, {"rows": rows}


def create_entities(entity_type: str, rows: list[dict[str, Any]]) -> Statement:
    """The same rows as :func:`upsert_entities`, for ids not stored yet: ``CREATE`` (about twice as fast as
    ``MERGE``); an id that exists makes the transaction fail on the ``entity_id`` constraint."""
    query = (f"UNWIND $rows AS row CREATE (e:Entity:{type_label(entity_type)} {{id: row.id}}) "
             "SET e += row.props, e.aliases = row.aliases")
    return query, {"rows": rows}


def upsert_mentions(rows: list[dict[str, Any]]) -> Statement:
    """Rows ``{id, entity, doc, props}``; returns the ids written (a mention whose entity is not loaded yet
    is not written, so the caller can retry it after the rest of the input)."""
    query = (
        "UNWIND $rows AS row MATCH (e:Entity {id: row.entity}) "
        "MERGE (d:Document {id: row.doc}) "
        "MERGE (m:Mention {id: row.id}) SET m = row.props "
        "WITH m, e, d, row "
        "OPTIONAL MATCH (m)-[old:REFERS_TO|IN_DOCUMENT]->(x) WHERE x <> e AND x <> d DELETE old "
        "WITH DISTINCT m, e, d, row "
        "MERGE (m)-[:REFERS_TO]->(e) MERGE (m)-[:IN_DOCUMENT]->(d) "
        "RETURN row.id AS id"
    )
    return query, {"rows": rows}


_TAKEN_NEW = ("[i IN range(0, size(row.ev_keys) - 1) "
              "WHERE row.ev_sentence[i] OR NOT row.ev_keys[i] IN coalesce(r.evidence_keys, [])")
"""Indexes of the new evidence to store: those with a sentence, and those whose span is not stored yet."""
_KEPT_OLD = ("[j IN range(0, size(coalesce(r.evidence_keys, [])) - 1) WHERE NOT r.evidence_keys[j] IN "
             f"{_TAKEN_NEW} | row.ev_keys[i]]")
"""Indexes of the stored evidence to keep: those not replaced by a new one with the same span."""


def create_mentions(rows: list[dict[str, Any]]) -> Statement:
    """The rows of :func:`upsert_mentions` for ids not stored yet (the ``mention_id`` constraint fails otherwise)."""
    query = (
        "UNWIND $rows AS row MATCH (e:Entity {id: row.entity}) "
        "MERGE (d:Document {id: row.doc}) "
        "CREATE (m:Mention) SET m = row.props "
        "CREATE (m)-[:REFERS_TO]->(e), (m)-[:IN_DOCUMENT]->(d) "
        "RETURN row.id AS id"
    )
    return query, {"rows": rows}


def create_relations(relation_type: str, rows: list[dict[str, Any]]) -> Statement:
    """The rows of :func:`upsert_relations` for ids not stored yet (the type's id constraint fails otherwise)."""
    rel = relationship_type(relation_type)
    query = (
        "UNWIND $rows AS row MATCH (s:Entity {id: row.source}) MATCH (t:Entity {id: row.target}) "
        f"CREATE (s)-[r:{rel} {{id: row.id}}]->(t) "
        "SET r += row.props, r.evidence = row.ev_json, r.evidence_keys = row.ev_keys "
        "RETURN row.id AS id"
    )
    return query, {"rows": rows}


def upsert_relations(relation_type: str, rows: list[dict[str, Any]]) -> Statement:
    """Rows ``{id, source, target, props, ev_keys, ev_json, ev_sentence}``: ``props`` merged into the relationship,
    the evidence united with the stored one by span key (a new one replaces the old when it has a sentence).
    Returns the ids written: a relation whose ends are not loaded yet is not written (retried at the end)."""
    rel = relationship_type(relation_type)
    query = (
        "UNWIND $rows AS row MATCH (s:Entity {id: row.source}) MATCH (t:Entity {id: row.target}) "
        f"MERGE (s)-[r:{rel} {{id: row.id}}]->(t) "
        "ON CREATE SET r += row.props, r.evidence = row.ev_json, r.evidence_keys = row.ev_keys "
        f"ON MATCH SET r += row.props, r.evidence = {_KEPT_OLD} | r.evidence[j]] + {_TAKEN_NEW} | row.ev_json[i]], "
        f"r.evidence_keys = {_KEPT_OLD} | r.evidence_keys[j]] + {_TAKEN_NEW} | row.ev_keys[i]] "
        "RETURN row.id AS id"
    )
    return query, {"rows": rows}


def delete_all_batch(batch_size: int) -> Statement:
    """One batch of ``clear``: call until it returns 0 (keeps each transaction small)."""
    return ("MATCH (n) WITH n LIMIT $n DETACH DELETE n RETURN count(*) AS deleted", {"n": batch_size})


# ---------------------------------------------------------------------------------------------- reads
def count_queries() -> dict[str, str]:
    return {
        "entities": "MATCH (e:Entity) RETURN count(e) AS n",
        "relations": "MATCH (:Entity)-[r]->(:Entity) RETURN count(r) AS n",
        "documents": "MATCH (d:Document) RETURN count(d) AS n",
        "mentions": "MATCH (m:Mention) RETURN count(m) AS n",
    }


def nodes_by_ids(ids: list[str]) -> Statement:
    return f"MATCH (e:Entity) WHERE e.id IN $ids RETURN {_NODE_VIEW} AS node", {"ids": ids}


def adjacent_edges(ids: list[str]) -> Statement:
    """Every relation touching each entity of ``ids`` (both directions), with the node at its other end."""
    query = (
        f"UNWIND $ids AS id MATCH (n:Entity {{id: id}})-[r{_relation_pattern(None)}]-(e:Entity) "
        f"RETURN DISTINCT id, {_EDGE_VIEW} AS edge, {_NODE_VIEW} AS node"
    )
    return query, {"ids": ids}


def _relation_pattern(relation_types: list[str] | None) -> str:
    """``:A|B|…`` of the allow-listed relation types asked for (all of them when ``None``)."""
    chosen = RELATION_TYPES if relation_types is None else [t for t in RELATION_TYPES if t in relation_types]
    return ":" + "|".join(chosen)


def neighbourhood(entity_id: str, depth: int, relation_types: list[str] | None, entity_types: list[str] | None,
                  limit: int) -> Statement:
    """One query: a breadth-first walk of ``depth`` hops (ids ascending within a hop, ``limit`` nodes at most,
    nodes of other types not crossed), then the relations among the nodes found (of ``relation_types``; unknown
    ones are ignored). Returns one row ``{nodes, edges}`` (none when the entity does not exist)."""
    if not 0 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth {depth} is out of range; use 0 to {MAX_DEPTH}")
    types = _relation_pattern(relation_types)
    if types == ":":  # no known relation type to cross: the start alone
        return (f"MATCH (e:Entity {{id: $id}}) RETURN [{_NODE_VIEW}] AS nodes, [] AS edges",
                {"id": entity_id, "etypes": entity_types or None, "limit": limit})
    hop = (
        "CALL { WITH seen, frontier UNWIND frontier AS f "
        f"MATCH (f)-[{types}]-(n:Entity) WHERE NOT n IN seen AND ($etypes IS NULL OR n.type IN $etypes) "
        "WITH DISTINCT n ORDER BY n.id LIMIT $limit RETURN collect(n) AS found } "
        "WITH seen, found[..($limit - size(seen))] AS found "
        "WITH seen + found AS seen, found AS frontier "
    )
    query = (
        "MATCH (s:Entity {id: $id}) WITH [s] AS seen, [s] AS frontier "
        + hop * depth
        + f"CALL {{ WITH seen UNWIND seen AS a MATCH (a)-[r{types}]->(b) WHERE b IN seen "
        f"RETURN collect(DISTINCT {_EDGE_VIEW}) AS edges }} "
        "RETURN [e IN seen | " + _NODE_VIEW + "] AS nodes, edges"
    )
    return query, {"id": entity_id, "etypes": entity_types or None, "limit": limit}


def shortest_paths(source: str, target: str, max_hops: int, cap: int = 10000) -> Statement:
    """Every shortest path (undirected, any relation type) of at most ``max_hops`` between two entities, one row
    per path ``{nodes, edges}``; parallel relations give one path each (at most ``cap`` rows)."""
    if not 1 <= max_hops <= MAX_DEPTH:
        raise ValueError(f"max_hops {max_hops} is out of range; use 1 to {MAX_DEPTH}")
    query = (
        "MATCH (s:Entity {id: $source}) MATCH (t:Entity {id: $target}) "
        f"MATCH p = allShortestPaths((s)-[{_relation_pattern(None)}*..{int(max_hops)}]-(t)) "
        f"RETURN [e IN nodes(p) | {_NODE_VIEW}] AS nodes, [r IN relationships(p) | {_EDGE_VIEW}] AS edges "
        "LIMIT $cap"
    )
    return query, {"source": source, "target": target, "cap": cap}


def entity_mentions(entity_id: str) -> Statement:
    query = (
        "MATCH (m:Mention)-[:REFERS_TO]->(:Entity {id: $id}) "
        "RETURN m.doc AS doc, m.start AS start, m.end AS end, m.text AS text"
    )
    return query, {"id": entity_id}


def document_texts(ids: list[str]) -> Statement:
    return "MATCH (d:Document) WHERE d.id IN $ids RETURN d.id AS id, d.text AS text", {"ids": ids}


def fulltext_candidates(lucene_query: str, entity_type: str | None) -> Statement:
    """Entities whose name, aliases or pinyin match a Lucene query on the CJK full-text index."""
    where = f" WHERE e:{type_label(entity_type)}" if entity_type else ""
    query = (
        f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $q) YIELD node AS e{where} "
        "RETURN e.id AS id, e.name AS name, e.aliases AS aliases, e.pinyin AS pinyin"
    )
    return query, {"q": lucene_query}


def substring_candidates(needle: str, entity_type: str | None) -> Statement:
    """Entities with a name, alias or pinyin containing ``needle`` (lower-cased), by a label scan."""
    label = f":{type_label(entity_type)}" if entity_type else ""
    query = (
        f"MATCH (e:Entity{label}) WHERE toLower(e.name) CONTAINS $q "
        "OR any(a IN coalesce(e.aliases, []) WHERE toLower(a) CONTAINS $q) "
        "OR any(p IN coalesce(e.pinyin, []) WHERE p CONTAINS $q) "
        "RETURN e.id AS id, e.name AS name, e.aliases AS aliases, e.pinyin AS pinyin"
    )
    return query, {"q": needle}


def all_entities() -> str:
    return f"MATCH (e:Entity) RETURN {_NODE_VIEW} AS node ORDER BY e.id"


def all_relations() -> str:
    return f"MATCH (:Entity)-[r]->(:Entity) RETURN {_EDGE_VIEW} AS edge ORDER BY r.id"


def all_documents() -> str:
    return ("MATCH (d:Document) RETURN d.id AS id, d.path AS path, d.date AS date, d.sha256 AS sha256, "
            "d.chars AS chars, d.title AS title ORDER BY d.id")


def all_mentions() -> str:
    return ("MATCH (m:Mention)-[:REFERS_TO]->(e:Entity) RETURN m.id AS id, m.doc AS doc, m.start AS start, "
            "m.end AS end, m.text AS text, m.type AS type, e.id AS entity ORDER BY m.id")
