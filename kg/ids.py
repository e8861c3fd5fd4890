"""Stable identifiers: the same input gives the same ids on every run and every machine."""

from __future__ import annotations

import hashlib
import re
from typing import Any, Protocol

_UCSCHAR = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(plane << 16)}-{chr(plane << 16 | 0xFFFD)}" for plane in range(1, 14)) + "\U000e1000-\U000efffd"
RECORD_ID = rf"[A-Za-z][A-Za-z0-9_.\-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/{_UCSCHAR}]|%[0-9A-Fa-f]{{2}})+"
"""What every id in a record is: ``prefix:local``, the local part made only of the characters an IRI path may hold
(RFC 3987, ``%`` only before two hex digits), so the id's IRI (``…/id/prefix/local``) is always valid. The ids the
pipeline makes are hashes (``per:50ca077f7c23``); records written by hand may use readable ones (``doc:deng-bio``)."""
_RECORD_ID = re.compile(RECORD_ID)


def is_record_id(text: str) -> bool:
    return _RECORD_ID.fullmatch(text) is not None


def _digest(*parts: str, length: int = 12) -> str:
    h = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16)
    return h.hexdigest()[:length]


def document_id(raw_text: str) -> str:
    """A document's id is a hash of its decoded text, so a renamed file keeps its id."""
    return "doc:" + _digest(raw_text, length=16)


def entity_id(entity_type: str, key: str) -> str:
    """An entity's id from its type and its resolution key (usually its canonical name).

    Different people sharing a name get different keys (``name#disambiguator``) from the resolver.
    """
    prefix = {
        "PERSON": "per", "PLACE": "plc", "ORG": "org", "EVENT": "evt",
        "DATE": "dat", "WORK": "wrk", "TITLE": "ttl",
    }[entity_type]
    return f"{prefix}:{_digest(entity_type, key)}"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relation_id(rel_type: str, source: str, target: str, key: str = "") -> str:
    """A relation's id: one per (type, source, target, key); ``key`` is e.g. the title of HOLDS_POSITION
    or the ``kind`` of KIN_OF, so one person holding two titles gives two relations."""
    return "rel:" + _digest(rel_type, source, target, key, length=16)


def mention_id(doc: str, start: int, end: int) -> str:
    return f"men:{_digest(doc, str(start), str(end), length=16)}"


_KEYED_BY = {"HOLDS_POSITION": "title", "KIN_OF": "kind"}


def relation_key(rel_type: str, properties: dict[str, object]) -> str:
    """What tells apart two relations of one type between the same two entities: the title of an
    office (one relation per title) or the kind of a KIN_OF; every other type has one relation per pair."""
    field = _KEYED_BY.get(rel_type)
    return str(properties.get(field) or "") if field else ""


class _RelationLike(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def target(self) -> str: ...

    @property
    def properties(self) -> dict[str, Any]: ...


def record_relation_id(rel: _RelationLike) -> str:
    """The stable id of a relation record; the stores, the RDF export and the review file all use it."""
    return relation_id(rel.type, rel.source, rel.target, relation_key(rel.type, rel.properties))
