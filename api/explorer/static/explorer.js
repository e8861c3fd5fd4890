// Entity page: draw the neighbourhood with vis-network (data prepared by pyvis on the server).
// Click a node to expand its neighbours (GET /api/entities/{id}/neighbours); double-click to open its page.
(function () {
  "use strict";
  var dataEl = document.getElementById("graph-data");
  var container = document.getElementById("network");
  if (!dataEl || !container || typeof vis === "undefined") { return; }
  var graph = JSON.parse(dataEl.textContent);
  var nodes = new vis.DataSet(graph.nodes);
  var edges = new vis.DataSet(graph.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, graph.options);
  var expanded = {};
  expanded[graph.root] = true;
  var countEl = document.getElementById("node-count");
  var selectedEl = document.getElementById("selected");

  function entityUrl(id) { return "/entity/" + encodeURIComponent(id); }

  function showSelected(id) {
    var node = nodes.get(id);
    if (!node || !selectedEl) { return; }
    selectedEl.textContent = "";
    var link = document.createElement("a");
    link.href = entityUrl(id);
    link.textContent = "打开 " + node.label;
    link.className = "open-node";
    selectedEl.appendChild(link);
  }

  function expand(id) {
    if (expanded[id]) { return Promise.resolve(0); }
    expanded[id] = true;
    document.body.dataset.expanding = id;
    var url = "/api/entities/" + encodeURIComponent(id) + "/neighbours?depth=1&limit=50";
    return fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (sub) {
        var added = 0;
        sub.nodes.forEach(function (n) {
          if (nodes.get(n.id) === null) {
            nodes.add({ id: n.id, label: n.name, title: n.name + " · " + n.type + " · " + n.id, shape: "dot",
                        size: 16, color: graph.colours[n.type] || "#cccccc" });
            added += 1;
          }
        });
        sub.edges.forEach(function (e) {
          if (edges.get(e.id) === null && nodes.get(e.source) !== null && nodes.get(e.target) !== null) {
            edges.add({ id: e.id, from: e.source, to: e.target, label: e.type, title: e.type, arrows: "to" });
          }
        });
        if (countEl) { countEl.textContent = String(nodes.length); }
        if (added > 0) {
          network.once("stabilizationIterationsDone", function () { network.fit({ animation: false }); });
          network.stabilize(120);
        }
        document.body.dataset.expanded = id;
        return added;
      })
      .catch(function (err) {
        expanded[id] = false;
        if (selectedEl) { selectedEl.textContent = "展开失败：" + err.message; }
        return 0;
      });
  }

  network.on("click", function (params) {
    if (params.nodes.length > 0) { showSelected(params.nodes[0]); expand(params.nodes[0]); }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length > 0) { window.location.href = entityUrl(params.nodes[0]); }
  });
  network.once("stabilizationIterationsDone", function () { document.body.dataset.networkReady = "1"; });
  window.setTimeout(function () { document.body.dataset.networkReady = "1"; }, 3000);
  window.kgExplorer = { network: network, nodes: nodes, edges: edges, expand: expand };
})();
