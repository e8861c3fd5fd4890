"""Content negotiation for SPARQL results: ``?format=`` first, then the Accept header (with q-values)."""

from __future__ import annotations

from api.errors import ApiError

RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
ALL_TYPES = RESULT_TYPES + GRAPH_TYPES + ("application/json", "application/xml")

FORMATS: dict[str, str] = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
FORMATS.update({media: media for media in ALL_TYPES})


def parse_accept(header: str) -> list[str]:
    """Media ranges of an Accept header, best first (q-value, then specificity, then order); q=0 dropped."""
    ranked: list[tuple[float, int, int, str]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
        ranked.append((-q, -specificity, index, media))
    return [media for *_, media in sorted(ranked)]


def wanted_media_types(format_param: str | None, accept: str | None) -> list[str]:
    """Concrete media types the client accepts, best first; empty means "whatever the query kind defaults to"."""
    if format_param:
        media = FORMATS.get(format_param.strip().lower())
        if media is None:
            raise ApiError(400, f"unknown format {format_param!r}; use one of json, xml, csv, tsv, turtle, jsonld, nt",
                           detail={"formats": sorted(k for k in FORMATS if "/" not in k)})
        return [normalise(media)]
    if not accept:
        return []
    out: list[str] = []
    for media in parse_accept(accept):
        if media == "*/*":
            return out
        if media.endswith("/*"):
            prefix = media[:-1]
            out.extend(t for t in ALL_TYPES if t.startswith(prefix) and normalise(t) not in out)
            continue
        if media in ALL_TYPES and normalise(media) not in out:
            out.append(normalise(media))
    if not out:
        raise ApiError(406, "none of the Accept media types can be produced; accept one of " + ", ".join(ALL_TYPES),
                       detail={"supported": list(ALL_TYPES)})
    return out


def normalise(media: str) -> str:
    return {"application/json": "application/sparql-results+json",
            "application/xml": "application/sparql-results+xml"}.get(media, media)
