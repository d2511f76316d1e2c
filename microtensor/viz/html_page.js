// microtensor's interactive graph page (microtensor.viz.save_html).
//
// The page holds Graphviz's SVG of the graph and, in <script id="mt-data">, what microtensor
// knows of each node. This script wires them: hover a node for its op, shape, dtype, value and
// gradient statistics; click it to select it and follow its inputs and outputs; click a module
// frame's title to collapse or expand it; search by name; colour nodes by gradient size.
// One listener per kind of event on the whole drawing (not one per node), so a graph of
// thousands of nodes is ready in milliseconds.
(function () {
  "use strict";
  const started = performance.now();
  const data = JSON.parse(document.getElementById("mt-data").textContent);
  const svg = document.querySelector("#graph svg");
  const tooltip = document.getElementById("tooltip");
  const panel = document.getElementById("panel");
  const status = document.getElementById("status");

  // --- index the drawing: Graphviz writes each node's and edge's name in a <title> ---------
  const nodeEls = new Map(); // node id -> <g class="node">
  const clusterEls = new Map(); // cluster name -> <g class="cluster">
  const edges = []; // {el, src, dst}
  const inputs = new Map(); // node id -> [ids feeding it]
  const outputs = new Map(); // node id -> [ids it feeds]
  function titleOf(g) {
    const title = g.querySelector(":scope > title");
    const text = title ? title.textContent : "";
    if (title) title.remove(); // our tooltip replaces the browser's
    return text;
  }
  for (const g of svg.querySelectorAll("g.node")) {
    const id = titleOf(g);
    g.dataset.id = id;
    nodeEls.set(id, g);
  }
  for (const g of svg.querySelectorAll("g.cluster")) {
    const name = titleOf(g);
    g.dataset.cluster = name;
    clusterEls.set(name, g);
  }
  for (const g of svg.querySelectorAll("g.edge")) {
    const [src, dst] = titleOf(g).split("->");
    edges.push({ el: g, src: src, dst: dst });
    if (!outputs.has(src)) outputs.set(src, []);
    if (!inputs.has(dst)) inputs.set(dst, []);
    outputs.get(src).push(dst);
    inputs.get(dst).push(src);
  }
  for (const a of svg.querySelectorAll("a")) {
    a.removeAttributeNS("http://www.w3.org/1999/xlink", "title");
    a.removeAttribute("title");
  }

  // --- describing a node ------------------------------------------------------------------
  function fmt(x) {
    if (typeof x !== "number") return String(x);
    if (x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5)) return x.toFixed(4);
    return x.toExponential(3);
  }
  function statsLine(stats, prefix) {
    if (stats[prefix + "numel"] === undefined) return null;
    const parts = ["norm", "min", "max", "mean"]
      .filter((k) => stats[prefix + k] !== null && stats[prefix + k] !== undefined)
      .map((k) => k + " " + fmt(stats[prefix + k]));
    if (stats[prefix + "has_nan"]) parts.push("NaN!");
    if (stats[prefix + "has_inf"]) parts.push("Inf!");
    return parts.join("  ");
  }
  function describe(id) {
    const node = data.nodes[id];
    if (!node) return id;
    const lines = [node.label + (node.op && node.op !== node.label ? "  (" + node.op + ")" : "")];
    lines.push("kind: " + node.kind);
    if (node.backward) lines.push("backward: " + node.backward);
    if (node.shape) lines.push("shape: " + JSON.stringify(node.shape) + "  dtype: " + node.dtype);
    if (node.scope && node.scope.length) lines.push("module: " + node.scope.join(" / "));
    if (node.members !== undefined) lines.push("nodes inside: " + node.members);
    if (node.note) lines.push(node.note);
    const stats = node.stats || {};
    const value = statsLine(stats, "value_");
    const grad = statsLine(stats, "grad_");
    if (value) lines.push("value: " + value);
    if (node.values) lines.push("  " + JSON.stringify(node.values));
    if (grad) lines.push("grad: " + grad);
    if (node.grad) lines.push("  " + JSON.stringify(node.grad));
    return lines.join("\n");
  }

  // --- hover: the tooltip -----------------------------------------------------------------
  function nodeAt(target) {
    const g = target.closest ? target.closest("g.node") : null;
    return g && svg.contains(g) ? g : null;
  }
  svg.addEventListener("mouseover", function (event) {
    const g = nodeAt(event.target);
    if (!g) return;
    tooltip.textContent = describe(g.dataset.id);
    tooltip.style.display = "block";
  });
  svg.addEventListener("mousemove", function (event) {
    tooltip.style.left = event.clientX + 14 + "px";
    tooltip.style.top = event.clientY + 14 + "px";
  });
  svg.addEventListener("mouseout", function (event) {
    if (nodeAt(event.target) && !nodeAt(event.relatedTarget || document.body)) {
      tooltip.style.display = "none";
    }
  });

  // --- click a node: select it and follow its inputs and outputs ----------------------------
  const marks = ["mt-selected", "mt-input", "mt-output"];
  function clearSelection() {
    for (const cls of marks) {
      for (const el of svg.querySelectorAll("." + cls)) el.classList.remove(cls);
    }
  }
  function link(id) {
    const node = data.nodes[id];
    return '<a data-goto="' + id + '">' + escapeHtml(node ? node.label : id) + "</a>";
  }
  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }
  function select(id, scroll) {
    clearSelection();
    const g = nodeEls.get(id);
    if (!g) return;
    revealNode(id);
    g.classList.add("mt-selected");
    for (const src of inputs.get(id) || []) nodeEls.get(src).classList.add("mt-input");
    for (const dst of outputs.get(id) || []) nodeEls.get(dst).classList.add("mt-output");
    for (const edge of edges) {
      if (edge.dst === id) edge.el.classList.add("mt-input");
      if (edge.src === id) edge.el.classList.add("mt-output");
    }
    const ins = (inputs.get(id) || []).map(link).join(", ") || "none";
    const outs = (outputs.get(id) || []).map(link).join(", ") || "none (a graph output)";
    panel.innerHTML =
      "<h2>" + escapeHtml(data.nodes[id] ? data.nodes[id].label : id) + "</h2>" +
      '<pre id="panel-details"></pre>' +
      "<p><b>inputs</b> (green): " + ins + "</p>" +
      "<p><b>outputs</b> (purple): " + outs + "</p>";
    document.getElementById("panel-details").textContent = describe(id);
    if (scroll) g.scrollIntoView({ block: "center", inline: "center" });
  }
  panel.addEventListener("click", function (event) {
    const id = event.target.dataset ? event.target.dataset.goto : undefined;
    if (id) select(id, true);
  });

  // --- click a module frame's title: collapse or expand it -------------------------------
  const hiddenBy = new Map(); // node id or cluster name -> number of collapsed frames around it
  const collapsed = new Set();
  const insideOf = new Map(); // cluster name -> [names of the frames nested in it]
  for (const [name, cluster] of Object.entries(data.clusters)) {
    const items = new Set(cluster.items);
    insideOf.set(name, Object.keys(data.clusters).filter(
      (other) => other !== name && data.clusters[other].items.every((i) => items.has(i))
    ));
  }
  function hide(key, el, delta) {
    const count = (hiddenBy.get(key) || 0) + delta;
    hiddenBy.set(key, count);
    if (el) el.classList.toggle("mt-hidden", count > 0);
  }
  function refreshEdges() {
    for (const edge of edges) {
      const gone = (hiddenBy.get(edge.src) || 0) > 0 && (hiddenBy.get(edge.dst) || 0) > 0;
      edge.el.classList.toggle("mt-hidden", gone);
    }
  }
  function toggleCluster(name) {
    const cluster = data.clusters[name];
    const el = clusterEls.get(name);
    if (!cluster || !el) return;
    const delta = collapsed.has(name) ? -1 : 1;
    if (delta > 0) collapsed.add(name);
    else collapsed.delete(name);
    el.classList.toggle("mt-collapsed", delta > 0);
    for (const id of cluster.items) hide(id, nodeEls.get(id), delta);
    for (const inner of insideOf.get(name)) hide(inner, clusterEls.get(inner), delta);
    const label = el.querySelector(":scope > text");
    if (label) label.textContent = (delta > 0 ? "[+] " : "") + cluster.title +
      (delta > 0 ? "  (" + cluster.items.length + " nodes)" : "");
    refreshEdges();
    status.textContent = collapsed.size + " module frame(s) collapsed";
  }
  function revealNode(id) {
    for (const name of Array.from(collapsed)) {
      if (data.clusters[name].items.includes(id)) toggleCluster(name);
    }
  }
  svg.addEventListener("click", function (event) {
    const g = nodeAt(event.target);
    if (g) {
      select(g.dataset.id, false);
      return;
    }
    const cluster = event.target.closest ? event.target.closest("g.cluster") : null;
    if (cluster && event.target.tagName === "text") toggleCluster(cluster.dataset.cluster);
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    for (const name of Object.keys(data.clusters)) if (!collapsed.has(name)) toggleCluster(name);
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    for (const name of Array.from(collapsed)) toggleCluster(name);
  });

  // --- search by name -----------------------------------------------------------------------
  const search = document.getElementById("search");
  let matches = [];
  search.addEventListener("input", function () {
    for (const el of svg.querySelectorAll(".mt-match")) el.classList.remove("mt-match");
    const query = search.value.trim().toLowerCase();
    matches = [];
    if (query) {
      for (const [id, node] of Object.entries(data.nodes)) {
        const text = (node.label + " " + (node.op || "")).toLowerCase();
        if (text.includes(query) && nodeEls.has(id)) {
          matches.push(id);
          nodeEls.get(id).classList.add("mt-match");
        }
      }
    }
    status.textContent = query ? matches.length + " match(es) for '" + search.value + "'" : "";
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && matches.length) select(matches[0], true);
  });

  // --- colour by gradient size ------------------------------------------------------------
  const gradColors = document.getElementById("grad-colors");
  for (const [id, node] of Object.entries(data.nodes)) {
    const norm = node.stats ? node.stats.grad_norm : undefined;
    const g = nodeEls.get(id);
    if (norm === undefined || norm === null || !g) continue;
    const size = typeof norm === "number" ? norm : Infinity; // "NaN" / "Inf" strings
    const cls = size < data.thresholds.vanishing ? "mt-vanishing"
      : size > data.thresholds.exploding ? "mt-exploding" : "mt-healthy";
    g.classList.add(cls);
  }
  function applyGradColors() {
    document.body.classList.toggle("mt-grad-colors", gradColors.checked);
  }
  gradColors.addEventListener("change", applyGradColors);
  applyGradColors();

  const setupMs = performance.now() - started;
  window.microtensorGraph = {
    ready: true, setupMs: setupMs, nodes: nodeEls.size, edges: edges.length,
    select: select, toggleCluster: toggleCluster,
  };
  document.getElementById("ready").textContent =
    nodeEls.size + " nodes, ready in " + setupMs.toFixed(0) + " ms";
})();
