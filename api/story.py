"""Stories for exhibit designers: the dated events of some entities, in order, with people, places and quotes."""

from __future__ import annotations

import re

from api.schemas import Story, StoryEvent, StoryQuote
from kg.models import Evidence
from kg.store.base import EntityView, EventView, GraphStore, NodeView

PARTICIPANT_RELATIONS = {"PARTICIPATED_IN", "SPOKE_AT"}
ORGANISER_RELATIONS = {"ORGANISED"}
PLACE_RELATIONS = {"HAPPENED_AT"}
TYPE_LABELS = {"PERSON": "人物", "PLACE": "地点", "ORG": "机构"}


def _add(nodes: dict[str, NodeView], node: NodeView) -> None:
    nodes.setdefault(node.id, node)


def _quotes(evidence: list[Evidence], seen: set[tuple[str, int, int]], out: list[StoryQuote]) -> None:
    for ev in evidence:
        key = (ev.doc, ev.start, ev.end)
        if ev.sentence and key not in seen:
            seen.add(key)
            out.append(StoryQuote(text=ev.sentence, doc=ev.doc, start=ev.start, end=ev.end))


def _story_event(store: GraphStore, seen_event: EventView) -> StoryEvent:
    participants: dict[str, NodeView] = {}
    places: dict[str, NodeView] = {}
    organisers: dict[str, NodeView] = {}
    quotes: list[StoryQuote] = []
    seen: set[tuple[str, int, int]] = set()
    for node in seen_event.participants:
        if node.type == "PLACE":
            _add(places, node)
        elif node.id != seen_event.event.id:
            _add(participants, node)
    _quotes(seen_event.evidence, seen, quotes)
    detail: EntityView | None = store.get_entity(seen_event.event.id)
    if detail is not None:
        others = {n.id: n for n in detail.neighbours}
        for edge in detail.relations:
            other_id = edge.target if edge.source == detail.id else edge.source
            other = others.get(other_id)
            if other is None:
                continue
            if edge.type in PLACE_RELATIONS or (other.type == "PLACE" and edge.type == "LOCATED_IN"):
                _add(places, other)
            elif edge.type in ORGANISER_RELATIONS:
                _add(organisers, other)
            elif edge.type in PARTICIPANT_RELATIONS:
                _add(participants, other)
            else:
                continue
            _quotes(edge.evidence, seen, quotes)
    for org_id in organisers:
        participants.pop(org_id, None)
    return StoryEvent(
        event=seen_event.event, date=seen_event.date,
        participants=sorted(participants.values(), key=lambda n: n.id),
        places=sorted(places.values(), key=lambda n: n.id),
        organisers=sorted(organisers.values(), key=lambda n: n.id),
        quotes=sorted(quotes, key=lambda q: (q.doc, q.start, q.end)),
    )


def build_story(store: GraphStore, entities: list[NodeView]) -> Story:
    """Every dated event linked to any of ``entities``, deduplicated, sorted by date then event id."""
    events: dict[str, EventView] = {}
    for entity in entities:
        for event in store.events(entity.id):
            events.setdefault(event.event.id, event)
    ordered = sorted(events.values(), key=lambda e: (e.date, e.event.id))
    title = "、".join(e.name for e in entities)
    return Story(title=title, entities=entities, events=[_story_event(store, e) for e in ordered])


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax and HTML so that extracted text is shown literally."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def story_markdown(story: Story) -> str:
    """The story as Markdown: a heading per event (date — name), who, where, and block quotes with sources."""
    lines = [f"# 故事：{md_escape(story.title)}", ""]
    if story.entities:
        lines.append("涉及：" + "、".join(f"{md_escape(e.name)}（{md_escape(e.id)}）" for e in story.entities))
        lines.append("")
    if not story.events:
        lines.extend(["_没有找到带日期的事件。_", ""])
    for event in story.events:
        lines.append(f"## {md_escape(event.date)} — {md_escape(event.event.name)}")
        lines.append("")
        if event.participants:
            lines.append("- 参与者：" + "、".join(md_escape(p.name) for p in event.participants))
        if event.organisers:
            lines.append("- 组织者：" + "、".join(md_escape(o.name) for o in event.organisers))
        if event.places:
            lines.append("- 地点：" + "、".join(md_escape(p.name) for p in event.places))
        if event.participants or event.organisers or event.places:
            lines.append("")
        for quote in event.quotes:
            lines.append(f"> {md_escape(quote.text)}")
            lines.append(">")
            lines.append(f"> — {md_escape(quote.doc)} [{quote.start}–{quote.end}]")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
