"""The neighbourhood network, built with pyvis and handed to the page as JSON (vis-network is served locally)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyvis
from pyvis.network import Network

from kg.store.base import Subgraph

TYPE_COLOURS: dict[str, str] = {
    "PERSON": "#e06666",
    "PLACE": "#6fa8dc",
    "ORG": "#93c47d",
    "EVENT": "#f6b26b",
    "DATE": "#b4a7d6",
    "WORK": "#76a5af",
    "TITLE": "#c27ba0",
}
DEFAULT_COLOUR = "#cccccc"
CJK_FONT = "Noto Sans CJK SC, Noto Sans SC, WenQuanYi Micro Hei, sans-serif"
VIS_VERSION = "vis-9.1.2"


def vis_assets_dir() -> Path:
    """The vis-network files shipped inside the pyvis package (served at /vendor/vis)."""
    return Path(pyvis.__file__).parent / "templates" / "lib" / VIS_VERSION


def network_data(subgraph: Subgraph, root_id: str) -> dict[str, Any]:
    """Nodes, edges and options for vis-network: coloured by type, Chinese labels, the root node larger."""
    net = Network(height="520px", width="100%", directed=True, cdn_resources="remote")
    for node in subgraph.nodes:
        net.add_node(node.id, label=node.name, color=TYPE_COLOURS.get(node.type, DEFAULT_COLOUR),
                     title=f"{node.name} · {node.type} · {node.id}", shape="dot",
                     size=26 if node.id == root_id else 16)
    known = {node.id for node in subgraph.nodes}
    for edge in subgraph.edges:
        if edge.source in known and edge.target in known:
            net.add_edge(edge.source, edge.target, label=edge.type, title=edge.type, id=edge.id, arrows="to")
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()
    options: dict[str, Any] = json.loads(options_json) if options_json else {}
    options["nodes"] = {"font": {"face": CJK_FONT, "size": 16}}
    options["edges"] = {"font": {"face": CJK_FONT, "size": 11, "align": "middle"},
                        "smooth": {"enabled": True, "type": "dynamic"}, "color": {"inherit": True}}
    physics = options.setdefault("physics", {})
    physics["stabilization"] = {"enabled": True, "iterations": 200, "fit": True}
    physics["barnesHut"] = {"gravitationalConstant": -6000, "springLength": 140, "avoidOverlap": 0.4}
    options["interaction"] = {"hover": True, "dragNodes": True}
    return {"root": root_id, "nodes": nodes, "edges": edges, "options": options, "colours": TYPE_COLOURS}
