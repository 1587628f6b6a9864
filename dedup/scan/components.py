"""Connected components of a graph too large for one process, on Dask workers.

The nodes are cut into `parts` by their number modulo `parts`; each part keeps its nodes, their
neighbours and a label per node, starting as the node itself. Each round, every part sends its
nodes' labels to their neighbours' parts, and every part takes the smallest label it receives
(min-label propagation); rounds go on until no label changes, at most the graph's diameter (news
clusters are small: a few rounds). A component's label is then its smallest node, on the workers;
the client receives one (node, label) per node in the graph, never the edges.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import getitem
from typing import Any

import numpy as np

from dedup._util.arrays import unique

__all__ = ["Part", "component_labels", "edge_pieces", "label_messages", "make_part", "take_labels"]


@dataclass
class Part:
    """One part of the graph: its nodes (sorted), their labels, and its edges as (node index, neighbour)."""

    nodes: np.ndarray
    labels: np.ndarray
    at: np.ndarray
    neighbours: np.ndarray
    changed: np.ndarray  # nodes whose label changed in the last round (all, at first)


def edge_pieces(edges: np.ndarray, parts: int) -> list[np.ndarray]:
    """Both directions of each edge, cut into `parts` by their first node."""
    both = np.concatenate([edges, edges[:, ::-1]]) if len(edges) else np.empty((0, 2), dtype=np.int64)
    home = both[:, 0] % parts
    return [both[home == p] for p in range(parts)]


def make_part(*pieces: np.ndarray) -> Part:
    edges = np.concatenate(pieces) if pieces else np.empty((0, 2), dtype=np.int64)
    nodes = unique(edges[:, 0]) if len(edges) else np.empty(0, dtype=np.int64)
    return Part(nodes, nodes.copy(), np.searchsorted(nodes, edges[:, 0]), edges[:, 1], np.ones(len(nodes), dtype=bool))


def label_messages(part: Part, parts: int) -> list[np.ndarray]:
    """(neighbour, label) for every edge of a node whose label changed, cut by the neighbour's part."""
    send = part.changed[part.at]
    messages = np.stack([part.neighbours[send], part.labels[part.at[send]]], axis=1)
    home = messages[:, 0] % parts
    return [messages[home == p] for p in range(parts)]


def take_labels(part: Part, *messages: np.ndarray) -> tuple[Part, int]:
    """The part with each node's label lowered to the smallest it received; and how many changed."""
    received = np.concatenate(messages) if messages else np.empty((0, 2), dtype=np.int64)
    labels = part.labels.copy()
    if len(received):
        np.minimum.at(labels, np.searchsorted(part.nodes, received[:, 0]), received[:, 1])
    changed = labels < part.labels
    return Part(part.nodes, labels, part.at, part.neighbours, changed), int(changed.sum())


def _labels_of(part: Part) -> np.ndarray:
    return np.stack([part.nodes, part.labels], axis=1)


def component_labels(client: Any, edges: Sequence[Any], parts: int, on_round: Callable[[int, int], None]) -> np.ndarray:
    """(node, label) of every node of the graph whose edges are the futures or arrays `edges`
    ((n, 2) int64 arrays); a label is the smallest node of its component."""
    split = [client.submit(edge_pieces, e, parts) for e in edges]
    state = [
        client.submit(make_part, *[client.submit(getitem, s, p) for s in split]) for p in range(parts)
    ]  # fmt: skip
    rounds = 0
    while True:
        out = [client.submit(label_messages, part, parts) for part in state]
        inbox = [[client.submit(getitem, o, q) for o in out] for q in range(parts)]
        taken = [client.submit(take_labels, state[q], *inbox[q]) for q in range(parts)]
        state = [client.submit(getitem, t, 0) for t in taken]
        changed = sum(client.gather([client.submit(getitem, t, 1) for t in taken]))
        rounds += 1
        on_round(rounds, changed)
        if not changed:
            break
    found = client.gather([client.submit(_labels_of, part) for part in state])
    return np.concatenate(found) if found else np.empty((0, 2), dtype=np.int64)
