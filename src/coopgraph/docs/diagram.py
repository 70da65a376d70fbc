"""A diagram of the core classes and the object properties between them, laid out as SVG.

What is drawn comes from the ontology: the top two levels of the class hierarchy (a
deeper class is folded into its ancestor on the second level), an arrow from domain to
range for every object property, merged when several properties join the same two
classes, and dropped when a super-property already draws the same arrow. Properties
from a class to itself are listed inside its box.

The layout is a small layered (Sugiyama-style) one, left to right: layers by longest
path, a dummy point for every layer an arrow crosses, barycentre ordering to reduce
crossings, and edge labels placed between the columns, where the arrow passes through
them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from rdflib import BNode, URIRef
from rdflib.namespace import OWL, RDFS
from rdflib.term import Node

from coopgraph.docs.model import OntologyModel, TermKind

FONT_SIZE = 13
LINE_HEIGHT = 16
BOX_PADDING = 10
BOX_MIN_HEIGHT = 30
ROW_GAP = 22
PORT_GAP = 9  # vertical room per arrow leaving or entering a box
BOLD_WIDTH = 1.15
MARGIN = 20
ORDERING_SWEEPS = 24
LEGEND_FONT_SIZE = 12
_LEGEND = (
    "Boxes are classes; a subclass deeper than the second level is folded into its ancestor.",
    "Arrows are object properties, from domain to range; ↻ marks a property from a class to "
    "itself.",
)


@dataclass(frozen=True)
class DiagramEdge:
    """An arrow: the object properties from ``source`` (domain) to ``target`` (range)."""

    source: URIRef
    target: URIRef
    properties: tuple[URIRef, ...]


@dataclass(frozen=True)
class CoreDiagram:
    nodes: tuple[URIRef, ...]
    edges: tuple[DiagramEdge, ...]
    loops: dict[URIRef, tuple[URIRef, ...]] = field(default_factory=dict)
    """Properties from a class to itself, shown inside its box."""
    parents: dict[URIRef, tuple[URIRef, ...]] = field(default_factory=dict)
    """Named superclasses, shown inside the box ("subclass of ...") rather than as arrows."""


def core_diagram(model: OntologyModel) -> CoreDiagram:
    """The core classes and their relations, as the ontology states them."""
    classes = {t.iri for t in model.terms.values() if t.kind is TermKind.CLASS}
    fold = _Folding(model, classes)
    properties = [t.iri for t in model.terms.values() if t.kind is TermKind.OBJECT_PROPERTY]
    ends = {p: fold.ends(p) for p in properties}
    arrows: dict[tuple[URIRef, URIRef], set[URIRef]] = defaultdict(set)
    for prop, pairs in ends.items():
        supers = model.ancestors(prop, RDFS.subPropertyOf)
        for pair in pairs:
            if not any(fold.covers(cover, pair) for s in supers for cover in ends.get(s, ())):
                arrows[pair].add(prop)  # no super-property draws this arrow already
    nodes = {c for pair in arrows for c in pair}
    edges, loops = [], {}
    for (source, target), props in sorted(arrows.items(), key=lambda item: str(item[0])):
        ordered = tuple(sorted(props, key=lambda p: model.label(p).casefold()))
        if source == target:
            loops[source] = ordered
        else:
            edges.append(DiagramEdge(source, target, ordered))
    parents = {n: tuple(fold.parents(n)) for n in nodes if fold.parents(n)}
    return CoreDiagram(tuple(sorted(nodes, key=str)), tuple(edges), loops, parents)


class _Folding:
    """Maps a class to the class that stands for it in the diagram (depth 0 or 1)."""

    def __init__(self, model: OntologyModel, classes: set[URIRef]) -> None:
        self.model = model
        self.classes = classes
        self._depth: dict[URIRef, int] = {}

    def parents(self, cls: URIRef) -> list[URIRef]:
        found = [p for p in self.model.graph.objects(cls, RDFS.subClassOf) if p in self.classes]
        return sorted((p for p in found if p != cls), key=str)  # type: ignore[misc]

    def depth(self, cls: URIRef, seen: frozenset[URIRef] = frozenset()) -> int:
        if cls not in self._depth:
            parents = [p for p in self.parents(cls) if p not in seen]
            below = seen | {cls}
            self._depth[cls] = 1 + min((self.depth(p, below) for p in parents), default=-1)
        return self._depth[cls]

    def representative(self, cls: URIRef) -> URIRef:
        while self.depth(cls) > 1:
            cls = min(self.parents(cls), key=lambda p: (self.depth(p), str(p)))
        return cls

    def covers(self, wider: tuple[URIRef, URIRef], pair: tuple[URIRef, URIRef]) -> bool:
        """Whether an arrow between ``wider`` classes already says what ``pair`` would."""
        return all(w == p or w in self.model.ancestors(p) for w, p in zip(wider, pair, strict=True))

    def members(self, node: Node) -> list[URIRef]:
        """The named classes a domain or range stands for (the members of a union)."""
        if isinstance(node, URIRef):
            return [node] if node in self.classes else []
        if isinstance(node, BNode):
            union = self.model.graph.value(node, OWL.unionOf)
            if union is not None:
                return [m for m in self.model.rdf_list(union) if m in self.classes]  # type: ignore[misc]
        return []

    def ends(self, prop: URIRef) -> set[tuple[URIRef, URIRef]]:
        graph = self.model.graph
        domains = [c for d in graph.objects(prop, RDFS.domain) for c in self.members(d)]
        ranges = [c for r in graph.objects(prop, RDFS.range) for c in self.members(r)]
        return {(self.representative(d), self.representative(r)) for d in domains for r in ranges}


# ------------------------------------------------------------------------------ layout


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the rendered width of sans-serif text (generous: boxes must fit)."""
    narrow, wide = "ijlrtf.,:;'|!() -", "mwMW@%"
    units = sum(
        0.34 if ch in narrow else 0.9 if ch in wide else 0.7 if ch.isupper() else 0.58
        for ch in text
    )
    return units * size


@dataclass
class _Box:
    """A class's box, or the point where an arrow crosses a layer (width 0)."""

    width: float
    height: float
    layer: int = 0
    y: float = 0.0
    x: float = 0.0


def render_svg(diagram: CoreDiagram, model: OntologyModel, href_prefix: str = "") -> str:
    """The diagram (of one class at least) as SVG whose boxes and labels link to the terms."""
    return _Layout(diagram, model).svg(href_prefix)


class _Layout:
    def __init__(self, diagram: CoreDiagram, model: OntologyModel) -> None:
        self.diagram = diagram
        self.model = model
        self.boxes: dict[object, _Box] = {}
        degree: dict[URIRef, list[int]] = defaultdict(lambda: [0, 0])
        for edge in diagram.edges:
            degree[edge.source][0] += 1
            degree[edge.target][1] += 1
        for node in diagram.nodes:
            lines = self._lines(node)
            sizes = [text_width(lines[0][0], FONT_SIZE + 1) * BOLD_WIDTH]
            sizes += [text_width(t) for t, _ in lines[1:]]
            height = max(
                BOX_MIN_HEIGHT, 14 + LINE_HEIGHT * len(lines), PORT_GAP * max(degree[node])
            )
            self.boxes[node] = _Box(max(sizes) + 2 * BOX_PADDING, height)
        self.chains: list[tuple[DiagramEdge, list[object], bool]] = []
        self._layers()
        self._order()
        self._place()

    def _lines(self, node: URIRef) -> list[tuple[str, URIRef]]:
        """The text lines of a box, each with the term it links to."""
        model = self.model
        lines = [(model.label(node), node)]
        lines += [("subclass of " + model.label(p), p) for p in self.diagram.parents.get(node, ())]
        lines += [("↻ " + model.label(p), p) for p in self.diagram.loops.get(node, ())]
        return lines

    # -------------------------------------------------------------- layering

    def _layers(self) -> None:
        nodes = list(self.diagram.nodes)
        successors: dict[URIRef, list[URIRef]] = defaultdict(list)
        for edge in self.diagram.edges:
            successors[edge.source].append(edge.target)
        back_edges = _back_edges(nodes, successors)
        forward: list[tuple[DiagramEdge, URIRef, URIRef, bool]] = []
        for edge in self.diagram.edges:
            reverse = (edge.source, edge.target) in back_edges
            tail, head = (edge.target, edge.source) if reverse else (edge.source, edge.target)
            forward.append((edge, tail, head, reverse))
        preds: dict[URIRef, list[URIRef]] = defaultdict(list)
        succs: dict[URIRef, list[URIRef]] = defaultdict(list)
        for _, tail, head, _ in forward:
            preds[head].append(tail)
            succs[tail].append(head)
        layer: dict[URIRef, int] = {}
        for node in _topological(nodes, succs):
            layer[node] = max((layer[p] + 1 for p in preds[node]), default=0)
        for _ in range(4):  # move each node to the end of its slack with fewer arrows
            for node in nodes:
                low = max((layer[p] + 1 for p in preds[node]), default=None)
                high = min((layer[s] - 1 for s in succs[node]), default=None)
                if len(preds[node]) < len(succs[node]) and high is not None:
                    layer[node] = high
                elif len(preds[node]) > len(succs[node]) and low is not None:
                    layer[node] = low
        base = min(layer.values(), default=0)
        layer = {node: value - base for node, value in layer.items()}
        for node, box in self.boxes.items():
            box.layer = layer[node]  # type: ignore[index]
        for index, (edge, tail, head, reverse) in enumerate(forward):
            chain: list[object] = [tail]
            for step in range(layer[tail] + 1, layer[head]):
                dummy = ("dummy", index, step)
                self.boxes[dummy] = _Box(0.0, 4.0, layer=step)
                chain.append(dummy)
            chain.append(head)
            self.chains.append((edge, chain, reverse))

    # -------------------------------------------------------------- ordering

    def _order(self) -> None:
        count = max(b.layer for b in self.boxes.values()) + 1
        self.layers: list[list[object]] = [[] for _ in range(count)]
        for key in self._discovery_order():
            self.layers[self.boxes[key].layer].append(key)
        ups: dict[object, list[object]] = defaultdict(list)
        downs: dict[object, list[object]] = defaultdict(list)
        for _, chain, _ in self.chains:
            for a, b in pairwise(chain):
                downs[a].append(b)
                ups[b].append(a)
        best = [list(layer) for layer in self.layers]
        best_crossings = self._crossings(downs)
        for sweep in range(ORDERING_SWEEPS):
            order = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
            neighbours = ups if sweep % 2 == 0 else downs
            for index in order:
                self._sort_by_barycentre(index, neighbours)
            crossings = self._crossings(downs)
            if crossings < best_crossings:
                best, best_crossings = [list(layer) for layer in self.layers], crossings
        self.layers = best
        self.downs, self.ups = downs, ups

    def _discovery_order(self) -> list[object]:
        order: list[object] = []
        seen: set[object] = set()
        adjacency: dict[object, list[object]] = defaultdict(list)
        for _, chain, _ in self.chains:
            for a, b in pairwise(chain):
                adjacency[a].append(b)
                adjacency[b].append(a)
        roots = sorted(self.diagram.nodes, key=lambda n: (-len(adjacency[n]), str(n)))
        for root in roots:
            stack = [root]
            while stack:
                key = stack.pop()
                if key in seen:
                    continue
                seen.add(key)
                order.append(key)
                stack.extend(reversed(adjacency[key]))
        return order

    def _sort_by_barycentre(self, index: int, neighbours: dict[object, list[object]]) -> None:
        position = {key: i for layer in self.layers for i, key in enumerate(layer)}
        layer = self.layers[index]

        def centre(item: tuple[int, object]) -> float:
            i, key = item
            near = [position[n] for n in neighbours[key]]
            return sum(near) / len(near) if near else float(i)

        self.layers[index] = [key for _, key in sorted(enumerate(layer), key=centre)]

    def _crossings(self, downs: dict[object, list[object]]) -> int:
        position = {key: i for layer in self.layers for i, key in enumerate(layer)}
        total = 0
        for layer in self.layers:
            segments = [(position[a], position[b]) for a in layer for b in downs[a]]
            for i, (a1, b1) in enumerate(segments):
                for a2, b2 in segments[i + 1 :]:
                    if (a1 - a2) * (b1 - b2) < 0:
                        total += 1
        return total

    # -------------------------------------------------------------- coordinates

    def _place(self) -> None:
        for layer in self.layers:
            y = 0.0
            for key in layer:
                self.boxes[key].y = y
                y += self.boxes[key].height + ROW_GAP
        for sweep in range(40):
            order = self.layers if sweep % 2 == 0 else list(reversed(self.layers))
            for layer in order:
                self._align(layer)
        top = min(b.y for b in self.boxes.values())
        for box in self.boxes.values():
            box.y += MARGIN - top
        self.label_width = [0.0] * len(self.layers)
        for edge, chain, _ in self.chains:
            first = self.boxes[chain[0]].layer
            widest = max(text_width(self.model.label(p)) for p in edge.properties)
            self.label_width[first] = max(self.label_width[first], widest)
        x = float(MARGIN)
        self.column_x: list[float] = []
        for index, layer in enumerate(self.layers):
            width = max((self.boxes[k].width for k in layer), default=0.0)
            self.column_x.append(x)
            for key in layer:
                box = self.boxes[key]
                box.x = x + (width - box.width) / 2
            x += width + max(70.0, self.label_width[index] + 50.0)
        self.width = x - 50.0 + MARGIN
        self.height = max(b.y + b.height for b in self.boxes.values()) + MARGIN

    def _align(self, layer: list[object]) -> None:
        """Move the layer's boxes towards the centre of their neighbours, keeping order and gaps.

        Two greedy placements (pushing down from the top, pushing up from the bottom) are
        averaged, which keeps the result symmetric and the gaps at least ROW_GAP.
        """
        boxes = [self.boxes[key] for key in layer]
        wanted = []
        for key, box in zip(layer, boxes, strict=True):
            near = self.ups.get(key, []) + self.downs.get(key, [])
            centres = [self.boxes[n].y + self.boxes[n].height / 2 for n in near]
            wanted.append(sum(centres) / len(centres) - box.height / 2 if centres else box.y)
        down = list(wanted)
        for i in range(1, len(boxes)):
            down[i] = max(down[i], down[i - 1] + boxes[i - 1].height + ROW_GAP)
        up = list(wanted)
        for i in range(len(boxes) - 2, -1, -1):
            up[i] = min(up[i], up[i + 1] - boxes[i].height - ROW_GAP)
        for box, a, b in zip(boxes, down, up, strict=True):
            box.y = (a + b) / 2
        for i in range(1, len(boxes)):  # the average of two valid placements may still touch
            boxes[i].y = max(boxes[i].y, boxes[i - 1].y + boxes[i - 1].height + ROW_GAP)

    # -------------------------------------------------------------- drawing

    def svg(self, href_prefix: str) -> str:
        edges_svg, labels_svg = self._edges(href_prefix)
        nodes_svg = [self._node(node, href_prefix) for node in self.diagram.nodes]
        legend_y = [self.height + 4 + LINE_HEIGHT * i for i in range(len(_LEGEND))]
        legend = "".join(
            f'<text class="dg-legend" x="{MARGIN}" y="{y:.0f}">{escape(line)}</text>'
            for y, line in zip(legend_y, _LEGEND, strict=True)
        )
        # A small diagram is widened to its legend rather than cutting it off.
        legend_width = max(text_width(line, LEGEND_FONT_SIZE) for line in _LEGEND)
        width, height = max(self.width, legend_width + 2 * MARGIN), legend_y[-1] + 12
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
            f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'aria-labelledby="diagram-title">'
            f'<title id="diagram-title">Core classes of {escape(self._title())} '
            "and the object properties between them</title>"
            f"{_SVG_STYLE}{_SVG_DEFS}"
            f'<g class="dg-edges">{"".join(edges_svg)}</g>'
            f'<g class="dg-nodes">{"".join(nodes_svg)}</g>'
            f'<g class="dg-labels">{"".join(labels_svg)}</g>{legend}</svg>'
        )

    def _title(self) -> str:
        ontology = self.model.ontology
        return self.model.label(ontology) if ontology is not None else "the ontology"

    def _node(self, node: URIRef, href_prefix: str) -> str:
        box = self.boxes[node]
        centre = box.x + box.width / 2
        parts = [
            f'<rect class="dg-box" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" rx="6"/>'
        ]
        for i, (text, term) in enumerate(self._lines(node)):
            y = box.y + 20 + LINE_HEIGHT * i
            kind = "dg-name" if i == 0 else "dg-note"
            anchor = escape(self.model.terms[term].anchor)
            parts.append(
                f'<a href="{escape(href_prefix)}#{anchor}"><text class="{kind}" '
                f'x="{centre:.1f}" y="{y:.1f}">{escape(text)}</text></a>'
            )
        return f'<g class="dg-node">{"".join(parts)}</g>'

    def _edges(self, href_prefix: str) -> tuple[list[str], list[str]]:
        out_ports = self._ports(outgoing=True)
        in_ports = self._ports(outgoing=False)
        label_slots = self._label_slots()
        paths, labels = [], []
        for index, (edge, chain, reverse) in enumerate(self.chains):
            first, last = self.boxes[chain[0]], self.boxes[chain[-1]]
            points = [(first.x + first.width, out_ports[index])]
            if index in label_slots:
                points.append(label_slots[index])
            for key in chain[1:-1]:
                dummy = self.boxes[key]
                column = self.column_x[dummy.layer]
                width = max(self.boxes[k].width for k in self.layers[dummy.layer])
                points += [(column, dummy.y), (column + width, dummy.y)]
            points.append((last.x, in_ports[index]))
            end = "marker-start" if reverse else "marker-end"
            paths.append(f'<path class="dg-property" d="{_curve(points)}" {end}="url(#dg-arrow)"/>')
            if index in label_slots:
                labels.append(self._label(edge, label_slots[index], href_prefix))
        return paths, labels

    def _ports(self, outgoing: bool) -> dict[int, float]:
        """Where each edge leaves (or enters) its box: spread along the side, in target order."""
        by_box: dict[object, list[int]] = defaultdict(list)
        for index, (_, chain, _) in enumerate(self.chains):
            by_box[chain[0] if outgoing else chain[-1]].append(index)
        ports = {}
        for key, indexes in by_box.items():
            box = self.boxes[key]

            def other_end(i: int) -> float:
                chain = self.chains[i][1]
                other = self.boxes[chain[1] if outgoing else chain[-2]]
                return other.y + other.height / 2

            indexes.sort(key=other_end)
            for rank, index in enumerate(indexes):
                ports[index] = box.y + box.height * (rank + 1) / (len(indexes) + 1)
        return ports

    def _label_slots(self) -> dict[int, tuple[float, float]]:
        """A point in the gap after the first column each labelled edge crosses."""
        wanted: dict[int, list[tuple[float, int]]] = defaultdict(list)
        for index, (_, chain, _) in enumerate(self.chains):
            a, b = self.boxes[chain[0]], self.boxes[chain[1]]
            y = (a.y + a.height / 2 + b.y + b.height / 2) / 2
            wanted[a.layer].append((y, index))
        slots = {}
        for layer, items in wanted.items():
            width = max(self.boxes[k].width for k in self.layers[layer])
            x = self.column_x[layer] + width + (self.label_width[layer] + 50.0) / 2
            bottom = -1e9
            for y, index in sorted(items):
                height = LINE_HEIGHT * len(self.chains[index][0].properties)
                top = max(y - height / 2, bottom + 4)
                slots[index] = (x, top + height / 2)
                bottom = top + height
        return slots

    def _label(self, edge: DiagramEdge, point: tuple[float, float], href_prefix: str) -> str:
        x, y = point
        count = len(edge.properties)
        width = max(text_width(self.model.label(p)) for p in edge.properties) + 8
        height = LINE_HEIGHT * count + 2
        parts = [
            f'<rect class="dg-label-ground" x="{x - width / 2:.1f}" y="{y - height / 2:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}" rx="3"/>'
        ]
        for i, prop in enumerate(edge.properties):
            line_y = y - LINE_HEIGHT * (count - 1) / 2 + LINE_HEIGHT * i + 4
            term = self.model.terms[prop]
            parts.append(
                f'<a href="{escape(href_prefix)}#{escape(term.anchor)}">'
                f'<text class="dg-label" x="{x:.1f}" y="{line_y:.1f}">'
                f"{escape(term.label)}</text></a>"
            )
        return "".join(parts)


def _curve(points: list[tuple[float, float]]) -> str:
    """A smooth path through the points, leaving and entering each one horizontally."""
    (x0, y0), rest = points[0], points[1:]
    path = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        if abs(y1 - y0) < 0.5:
            path.append(f"L{x1:.1f},{y1:.1f}")
        else:
            half = (x1 - x0) / 2
            path.append(f"C{x0 + half:.1f},{y0:.1f} {x1 - half:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(path)


def _back_edges(
    nodes: list[URIRef], successors: dict[URIRef, list[URIRef]]
) -> set[tuple[URIRef, URIRef]]:
    """Edges that close a cycle in a depth-first search; reversing them leaves a DAG."""
    state: dict[URIRef, int] = {}
    back: set[tuple[URIRef, URIRef]] = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return back


def _topological(nodes: list[URIRef], successors: dict[URIRef, list[URIRef]]) -> list[URIRef]:
    incoming = {n: 0 for n in nodes}
    for node in nodes:
        for child in successors[node]:
            incoming[child] += 1
    ready = [n for n in nodes if incoming[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in successors[node]:
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    return order


_SVG_STYLE = """<style>
.diagram { font-family: "DejaVu Sans", Verdana, "Segoe UI", sans-serif; }
.dg-box { fill: #eef3fb; stroke: #34558b; stroke-width: 1.3; }
.dg-node:hover > .dg-box { fill: #d7e3f7; }
.dg-name { font-size: 14px; font-weight: 600; fill: #1b2b47; text-anchor: middle; }
.dg-note { font-size: 12px; fill: #34558b; text-anchor: middle; }
.dg-property { fill: none; stroke: #5a6b85; stroke-width: 1.2; }
.dg-label { font-size: 12px; fill: #7a3b00; text-anchor: middle; }
.dg-label-ground { fill: #ffffff; fill-opacity: 0.9; }
a:hover > text { text-decoration: underline; }
.dg-legend { font-size: 12px; fill: #4a5568; }
</style>"""

_SVG_DEFS = """<defs>
<marker id="dg-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8"
 orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5a6b85"/></marker>
</defs>"""
