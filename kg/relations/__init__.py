"""Relation extraction: typed mentions of one document → a :class:`DocGraph` of local candidates and relations.

Passes, in order: aliases (merge names), places (complete org names, admin hierarchy, LOCATED_IN), office,
kinship, events. See docs/relations.md.
"""

from __future__ import annotations

from kg.relations.aliases import merge_aliases
from kg.relations.builder import GraphBuilder
from kg.relations.coref import Coref
from kg.relations.events import extract_events
from kg.relations.family import extract_family
from kg.relations.kinship import extract_kinship
from kg.relations.mentions import prepare_mentions
from kg.relations.office import extract_offices
from kg.relations.places import run as link_places
from kg.relations.types import AnnotatedDoc, DocGraph, Span

__all__ = ["AnnotatedDoc", "DocGraph", "Span", "extract_relations"]


def extract_relations(doc: AnnotatedDoc) -> DocGraph:
    b = GraphBuilder(prepare_mentions(doc))
    merge_aliases(b)
    link_places(b)
    coref = Coref(b)
    extract_offices(b, coref)
    extract_kinship(b, coref)
    extract_family(b, coref)
    extract_events(b, coref)
    return b.build()
