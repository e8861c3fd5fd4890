"""Records → the CSV files of ``neo4j-admin database import full``, in the exact shape the Neo4j store writes.

:class:`BulkGraph` merges the records as every store does on load (repeated entity and relation ids merged by
:mod:`kg.store.common`, the last document and mention record of an id kept) and drops, as a load does, mentions
and relations whose entities are not among the records. :func:`write_import_csv` then writes one file per kind
(per set of property columns for entities and relations), every value as :mod:`kg.store.neo4j_rows` gives it
to Cypher: ``pinyin``, ``pj_<key>``/``p_<key>`` properties, ``evidence``/``evidence_keys`` lists. The only
difference: an empty list is not stored (neo4j-admin cannot write one); every read takes a missing list as empty.

Strings are always quoted, so an empty string stays one and an unquoted empty field is a missing property.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from kg.ids import mention_id, record_relation_id
from kg.models import DocumentRecord, EntityRecord, MentionRecord, Record, RelationRecord
from kg.store.common import merge_entities, merge_relations
from kg.store.neo4j_rows import flat_properties
from ontology.namespace import NEO4J_LABEL

ARRAY_DELIMITER = "\x1f"
"""U+001F (unit separator): JSON escapes it, and no name or alias has it (checked), unlike ``;``."""
ADMIN_ARRAY_DELIMITER = "U+001F"
PARALLEL_MIN = 20_000
"""Fewer entities and relations are written by one process (a fork costs more than it saves)."""
_KIND = {bool: "boolean", int: "long", float: "double", str: "string"}
_BAD_KEY = set(':,"\n\r' + ARRAY_DELIMITER)


class ImportDataError(ValueError):
    """Records that neo4j-admin cannot import as they are; the message says what and to use ``kg load``."""


@dataclass
class ImportFiles:
    """What :func:`write_import_csv` wrote: the ``--nodes``/``--relationships`` arguments and the files that
    hold line breaks inside a value (``--multiline-fields``)."""

    nodes: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    multiline: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class BulkGraph:
    """The records of one load merged by id, as the stores merge them."""

    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    entities: dict[str, EntityRecord] = field(default_factory=dict)
    mentions: dict[str, MentionRecord] = field(default_factory=dict)
    relations: dict[str, RelationRecord] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("documents", "entities", "mentions", "relations"), 0))

    def add(self, rec: Record) -> None:
        if isinstance(rec, EntityRecord):
            old = self.entities.get(rec.id)
            self.entities[rec.id] = merge_entities(old, rec) if old else rec
            self.records["entities"] += 1
        elif isinstance(rec, RelationRecord):
            rid = record_relation_id(rec)
            old_rel = self.relations.get(rid)
            self.relations[rid] = merge_relations(old_rel, rec) if old_rel else rec
            self.records["relations"] += 1
        elif isinstance(rec, MentionRecord):
            self.mentions[mention_id(rec.doc, rec.start, rec.end)] = rec
            self.records["mentions"] += 1
        else:
            self.documents[rec.id] = rec
            self.records["documents"] += 1

    def add_all(self, records: Iterable[Record]) -> BulkGraph:
        for rec in records:
            self.add(rec)
        return self

    def orphans(self) -> tuple[int, int]:
        """Mentions and relations whose entities are not among the records (a load skips them too)."""
        ids = self.entities
        return (sum(m.entity not in ids for m in self.mentions.values()),
                sum(r.source not in ids or r.target not in ids for r in self.relations.values()))


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _array(values: Iterable[str]) -> str:
    joined = ARRAY_DELIMITER.join(values)
    return _q(joined) if joined else ""


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _q(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _columns(properties: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """The ``pj_``/``p_`` columns of a record's properties (name and neo4j-admin type) and their fields."""
    cols: list[tuple[str, str]] = []
    values: list[str] = []
    for key, value in flat_properties(properties).items():
        if value is None:  # p_<key> of a non-scalar: not stored
            continue
        if _BAD_KEY & set(key):
            raise ImportDataError(f"property key {key[2:]!r} cannot be a neo4j-admin CSV column; "
                                  "load these records with plain `kg load`")
        kind = _KIND.get(type(value), "string")
        cols.append((key, kind))
        values.append(_scalar(value))
    return tuple(cols), values


def _header(fixed: str, cols: tuple[tuple[str, str], ...]) -> str:
    return ",".join([fixed, *(name if kind == "string" else f"{name}:{kind}" for name, kind in cols)])


def _checked(values: list[str], what: str) -> list[str]:
    for value in values:
        if ARRAY_DELIMITER in value:
            raise ImportDataError(f"{what} {value!r} holds the control character U+001F; "
                                  "load these records with plain `kg load`")
    return values


class _Writer:
    """Groups of lines (one CSV file each), flagged when a value holds a line break."""

    def __init__(self, folder: Path, files: ImportFiles) -> None:
        self.folder, self.files = folder, files

    def write(self, name: str, header: str, lines: list[str], *, nodes: bool, kind: str = "") -> None:
        if not lines:
            return
        path = self.folder / f"{name}.csv"
        text = "\n".join(lines)
        path.write_text(header + "\n" + text + "\n", encoding="utf-8")
        (self.files.nodes if nodes else self.files.relationships).append(f"{kind}={path}" if kind else str(path))
        if "\r" in text or text.count("\n") != len(lines) - 1:
            self.files.multiline.append(str(path))


def _entities(graph: BulkGraph, ids: list[str], writer: _Writer, part: str) -> None:
    from kg.pinyin import name_pinyin

    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for eid in ids:
        ent = graph.entities[eid]
        cols, values = _columns(ent.properties)
        aliases = _checked(sorted(set(ent.aliases)), "the alias")
        line = ",".join([_q(ent.id), '"Entity' + ARRAY_DELIMITER + NEO4J_LABEL[ent.type] + '"', _q(ent.type),
                         _q(ent.name), _array(aliases), _array(name_pinyin(ent.name)), *values])
        groups.setdefault(cols, []).append(line)
    for i, (cols, lines) in enumerate(groups.items()):
        writer.write(f"entities_{part}{i}", _header(
            "id:ID(Entity),:LABEL,type,name,aliases:string[],pinyin:string[]", cols), lines, nodes=True)


def _documents_and_mentions(graph: BulkGraph, writer: _Writer) -> dict[str, int]:
    mentions = {mid: m for mid, m in graph.mentions.items() if m.entity in graph.entities}
    doc_ids = set(graph.documents) | set(graph.texts) | {m.doc for m in mentions.values()}
    doc_lines = []
    for doc_id in sorted(doc_ids):
        d = graph.documents.get(doc_id)
        fields = [None if d is None else getattr(d, k) for k in ("path", "date", "sha256", "chars", "title")]
        doc_lines.append(",".join([_q(doc_id), *("" if v is None else _scalar(v)
                                                 for v in [*fields, graph.texts.get(doc_id)])]))
    writer.write("documents", "id:ID(Document),path,date,sha256,chars:long,title,text", doc_lines,
                 nodes=True, kind="Document")
    keys = ("doc", "start", "end", "text", "type", "entity", "value", "precision", "component", "confidence")
    lines = [",".join([_q(mid), *("" if (v := getattr(m, k)) is None else _scalar(v) for k in keys)])
             for mid, m in mentions.items()]
    writer.write("mentions", "id:ID(Mention),doc,start:long,end:long,text,type,entity,value,precision,component,"
                 "confidence:double", lines, nodes=True, kind="Mention")
    writer.write("refers_to", ":START_ID(Mention),:END_ID(Entity)",
                 [f"{_q(mid)},{_q(m.entity)}" for mid, m in mentions.items()], nodes=False, kind="REFERS_TO")
    writer.write("in_document", ":START_ID(Mention),:END_ID(Document)",
                 [f"{_q(mid)},{_q(m.doc)}" for mid, m in mentions.items()], nodes=False, kind="IN_DOCUMENT")
    return {"documents": len(doc_ids), "mentions": len(mentions)}


def _relations(graph: BulkGraph, ids: list[str], writer: _Writer, part: str) -> None:
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for rid in ids:
        rel = graph.relations[rid]
        cols, values = _columns(rel.properties)
        line = ",".join([_q(rel.source), _q(rel.target), rel.type, _q(rid),
                         "" if rel.confidence is None else repr(float(rel.confidence)),
                         _q(rel.component) if rel.component else "",
                         _array(e.model_dump_json() for e in rel.evidence),
                         _array(f"{e.doc}|{e.start}|{e.end}" for e in rel.evidence), *values])
        groups.setdefault(cols, []).append(line)
    for i, (cols, lines) in enumerate(groups.items()):
        writer.write(f"relations_{part}{i}", _header(":START_ID(Entity),:END_ID(Entity),:TYPE,id,confidence:double,"
                                                     "component,evidence:string[],evidence_keys:string[]", cols),
                     lines, nodes=False)


def _child(graph: BulkGraph, entities: list[str], relations: list[str], folder: Path, conn: Connection) -> None:
    try:
        files = ImportFiles()
        writer = _Writer(folder, files)
        _entities(graph, entities, writer, "a")
        _relations(graph, relations, writer, "a")
        conn.send(files)
    except Exception as e:  # noqa: BLE001 - handed to the parent, which raises it
        conn.send(e)
    finally:
        conn.close()


def write_import_csv(graph: BulkGraph, folder: str | Path, *, parallel: bool = True) -> ImportFiles:
    """Write the graph's import files into ``folder``; mentions and relations without their entities are left
    out (see :meth:`BulkGraph.orphans`). With ``parallel`` (and ``fork``), a forked process writes half the
    entities and relations meanwhile (the graph is shared by the fork, not copied through a pipe)."""
    from kg.pinyin import name_pinyin

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = ImportFiles()
    writer = _Writer(out, files)
    entities = list(graph.entities)
    ids = [rid for rid, r in graph.relations.items() if r.source in graph.entities and r.target in graph.entities]
    fork = parallel and len(entities) + len(ids) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods()
    half_e, half_r = (len(entities) // 2, len(ids) // 2) if fork else (0, 0)
    child: tuple[BaseProcess, Connection] | None = None
    if fork:
        name_pinyin("中")  # the pinyin dictionaries loaded once, before the fork shares them
        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(graph, entities[:half_e], ids[:half_r], out, theirs),
                                  daemon=True)
        process.start()
        theirs.close()
        child = (process, mine)
    try:
        _entities(graph, entities[half_e:], writer, "b")
        counts = _documents_and_mentions(graph, writer)
        _relations(graph, ids[half_r:], writer, "b")
    finally:
        if child is not None:
            forked, conn = child
            try:
                done = conn.recv()
            except EOFError:
                done = ImportDataError("the process writing relations ended without a word; "
                                       "run again (or use plain `kg load`)")
            forked.join()
    if child is not None:
        if isinstance(done, Exception):
            raise done
        files.nodes += done.nodes
        files.relationships += done.relationships
        files.multiline += done.multiline
    files.counts = {"entities": len(graph.entities), "relations": len(ids), **counts}
    return files
