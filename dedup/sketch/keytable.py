"""A compact multimap from 64-bit LSH band keys to item numbers, for a growing index.

Keys are folded to 40-bit fingerprints (`fingerprint40`); a table of keys below 2**32 (`KeyTable(key_bits=32)`,
for band keys already folded to 32 bits) keeps each key whole, mixed by a bijection (`fingerprint32`).
Entries live in sorted runs, merged as they grow (a log-structured merge), so inserts are amortised
O(log n) and a lookup is one vectorised probe per run. A run stores each entry in five to six bytes,
against twelve for a uint64 key and a uint32 item:

- the top `bits` bits of a fingerprint are implicit: a directory of bucket offsets (one bucket per
  8-16 entries, so half a byte an entry or less) says where each value of them starts;
- the remaining 40 - `bits` bits: as uint32 in small runs, and in the large runs that hold most
  entries (`bits` of 16 or more, so 24 bits or fewer remain) as a uint16 of their low 16 bits and a
  uint8 of the rest, three bytes (of 32-bit keys, 16 bits or fewer remain: two bytes);
- the item number as an offset from the run's first item, uint8 when the run spans fewer than 256
  items and uint16 otherwise: item numbers are grouped in windows of 65,536, a run never holds two
  windows, and a window's runs are merged into one when it closes.

New entries go to a head: plain sorted fingerprints and items (twelve bytes an entry, for at most `_HEAD`
entries), which an insert extends in place rather than rebuilding a compact run each time; it is built
into a run and joins the run list once it holds `_HEAD` entries. A lookup finds the same entries in the
same order in the head as in the run it becomes. Items must be added in non-decreasing order, as an
index numbering its articles does.

False matches: two different band keys share a fingerprint with probability 2^-40, so a lookup of q
keys in a table of n entries returns about q * n / 2^40 entries that do not hold any of its keys (none
in a 32-bit table: its keys' own collisions were chosen when they were folded).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

__all__ = ["KEY_BITS", "KeyTable", "fingerprint32", "fingerprint40"]

KEY_BITS = 40
_WIDTHS = (32, KEY_BITS)  # fingerprint bits a table may use: of 32-bit keys (all of them), of 64-bit keys
_WINDOW = 1 << 16  # items a run may span: offsets from its first item fit in uint16
_HEAD = 8192  # entries the head run takes before it joins the run list
_SPLIT_BITS = 24  # remainders of at most this many bits are stored in three bytes
_EMPTY = np.empty(0, dtype=np.uint32)
_EMPTY8 = np.empty(0, dtype=np.uint8)
_NO_MATCH = (np.empty(0, dtype=np.intp), _EMPTY)


def fingerprint40(keys: np.ndarray | list[int] | int) -> np.ndarray:
    """40-bit fingerprints (as uint64) of uint64 keys: the top bits of MurmurHash3's 64-bit finaliser.

    The finaliser is a bijection whose every output bit depends on every input bit, so fingerprints
    of distinct keys collide with probability 2^-40, however the keys were built.
    """
    k = np.asarray(keys, dtype=np.uint64).ravel()
    k = (k ^ (k >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
    k = (k ^ (k >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
    return (k ^ (k >> np.uint64(33))) >> np.uint64(64 - KEY_BITS)


def fingerprint32(keys: np.ndarray | list[int] | int) -> np.ndarray:
    """Fingerprints (as uint64) of keys below 2**32: MurmurHash3's 32-bit finaliser, a bijection, so
    distinct keys never share one; its top bits are well mixed for the directory."""
    k = np.asarray(keys, dtype=np.uint64).ravel()
    if len(k) and int(k.max()) >> 32:
        raise ValueError("a 32-bit key table takes keys below 2**32 (use KeyTable() for 64-bit keys)")
    mask = np.uint64(0xFFFFFFFF)
    k = ((k ^ (k >> np.uint64(16))) * np.uint64(0x85EBCA6B)) & mask
    k = ((k ^ (k >> np.uint64(13))) * np.uint64(0xC2B2AE35)) & mask
    return k ^ (k >> np.uint64(16))


def _size(array: np.ndarray) -> int:
    """Bytes an array object holds, header included (every array here owns its data)."""
    return sys.getsizeof(array)


@dataclass(frozen=True, slots=True)
class _Run:
    """Sorted entries of one item window: directory, key remainders (`rest`, and `high` bits 16-23
    when the remainder is split) and item offsets from `base`."""

    base: int
    key_bits: int
    bits: int
    directory: np.ndarray
    rest: np.ndarray
    high: np.ndarray
    items: np.ndarray

    def __len__(self) -> int:
        return len(self.rest)

    @property
    def window(self) -> int:
        return self.base // _WINDOW

    @property
    def nbytes(self) -> int:
        arrays = (self.directory, self.rest, self.high, self.items)
        return sum(_size(a) for a in arrays) + sys.getsizeof(self)

    def remainders(self) -> np.ndarray:
        """The entries' fingerprints below the directory's bits, in order (uint64)."""
        rest = self.rest.astype(np.uint64)
        if len(self.high):
            rest |= self.high.astype(np.uint64) << np.uint64(16)
        return rest

    def fingerprints(self) -> np.ndarray:
        """The entries' fingerprints (`key_bits` wide), in order."""
        high = np.repeat(np.arange(len(self.directory) - 1, dtype=np.uint64), np.diff(self.directory))
        return (high << np.uint64(self.key_bits - self.bits)) | self.remainders()

    def absolute_items(self) -> np.ndarray:
        return self.items.astype(np.uint32) + np.uint32(self.base)

    def matches(self, fps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into `fps`, item number) of every entry holding one of `fps`, by fingerprint then item."""
        shift = np.uint64(self.key_bits - self.bits)
        bucket = (fps >> shift).astype(np.intp)
        lo = self.directory[bucket].astype(np.intp)
        sizes = self.directory[bucket + 1] - lo
        total = int(sizes.sum())
        if not total:
            return _NO_MATCH
        # Every entry of each probed bucket, as one flat gather; keep those whose remainder matches. A
        # lookup is one article's keys against each run: few entries, so the count of array operations
        # is what costs, and each is done once (`owner`: the query of each probed entry).
        owner = np.repeat(np.arange(len(fps)), sizes)
        positions = (lo - np.cumsum(sizes) + sizes)[owner] + np.arange(total)
        wanted = (fps & ((np.uint64(1) << shift) - np.uint64(1)))[owner]
        if len(self.high):
            hit = (self.rest[positions] == (wanted & np.uint64(0xFFFF))) & (self.high[positions] == (wanted >> _16))
        else:
            hit = self.rest[positions] == wanted
        # Offsets are uint8 or uint16: widened before the base is added (NumPy 1's value-based casting
        # would keep a small base's sum in the narrow type, and overflow).
        return owner[hit], self.items[positions[hit]].astype(np.uint32) + np.uint32(self.base)


_16 = np.uint64(16)
_POSITION_BITS = 24


def _stable_order(fps: np.ndarray) -> np.ndarray:
    """`np.argsort(fps, kind="stable")` of fingerprints (at most 40 bits) in random order, faster: each
    is made unique by its position in the low bits, and a plain sort of unique values is stable."""
    if not 1024 <= len(fps) < 1 << _POSITION_BITS:
        return np.argsort(fps, kind="stable")
    keyed = (fps << np.uint64(_POSITION_BITS)) | np.arange(len(fps), dtype=np.uint64)
    return (np.sort(keyed) & np.uint64((1 << _POSITION_BITS) - 1)).astype(np.intp)


def _build(fps: np.ndarray, items: np.ndarray, key_bits: int) -> _Run:
    """A run of entries (fingerprint of `key_bits`, absolute item), all of one item window."""
    base = int(items.min())
    span = int(items.max()) - base
    order = np.argsort(fps, kind="stable")
    fps = fps[order]
    # Enough directory bits that the stored remainder fits in uint32.
    bits = max(key_bits - 32, len(fps).bit_length() - 4)
    shift = np.uint64(key_bits - bits)
    dtype = np.uint16 if len(fps) < (1 << 16) else np.uint32
    edges = np.searchsorted(fps >> shift, np.arange((1 << bits) + 1, dtype=np.uint64)).astype(dtype)
    rest = fps & ((np.uint64(1) << shift) - np.uint64(1))
    offsets = (items[order] - np.uint32(base)).astype(np.uint8 if span < (1 << 8) else np.uint16)
    if key_bits - bits > _SPLIT_BITS:
        return _Run(base, key_bits, bits, edges, rest.astype(np.uint32), _EMPTY8, offsets)
    # Three bytes instead of four: the low 16 bits, then the (at most 8) bits above them, if any.
    high = (rest >> np.uint64(16)).astype(np.uint8) if key_bits - bits > 16 else _EMPTY8
    return _Run(base, key_bits, bits, edges, rest.astype(np.uint16), high, offsets)


def _merge(runs: list[_Run]) -> _Run:
    """One run holding the entries of `runs` (all of one window)."""
    fps = np.concatenate([r.fingerprints() for r in runs])
    items = np.concatenate([r.absolute_items() for r in runs])
    return _build(fps, items, runs[0].key_bits)


def _compact(runs: list[_Run]) -> list[_Run]:
    """One run per window (runs are in window order)."""
    groups: list[list[_Run]] = []
    for run in runs:
        if groups and groups[-1][0].window == run.window:
            groups[-1].append(run)
        else:
            groups.append([run])
    return [group[0] if len(group) == 1 else _merge(group) for group in groups]


class KeyTable:
    """uint64 key -> item numbers (with repeats when an item holds a key twice).

    `key_bits=32` is for keys below 2**32 (such as 32-bit folded band keys): each is its own
    fingerprint, so the table tells apart exactly the keys it is given, in about a byte less an entry.
    """

    def __init__(self, key_bits: int = KEY_BITS) -> None:
        if key_bits not in _WIDTHS:
            raise ValueError(f"key_bits: use {KEY_BITS} (64-bit keys) or 32 (keys below 2**32), got {key_bits}")
        self.key_bits = key_bits
        self._fold = fingerprint32 if key_bits == 32 else fingerprint40
        self._runs: list[_Run] = []
        self._head = _Head()
        self._last = -1

    def add(self, keys: np.ndarray | list[int], item: int) -> None:
        """Record that `item` holds each of `keys`; items come in non-decreasing order."""
        if item < self._last:
            raise ValueError(f"item {item}: items must be added in non-decreasing order (last was {self._last})")
        self._last = item
        keys = np.asarray(keys, dtype=np.uint64).ravel()
        self.add_many(keys, np.full(len(keys), item, dtype=np.uint32))

    def add_many(self, keys: np.ndarray, items: np.ndarray) -> None:
        """Record that `items[i]` holds `keys[i]` (many articles at once); items come in non-decreasing order."""
        items = np.asarray(items, dtype=np.uint32)
        if not len(items):
            return
        if int(items[0]) < self._last or bool(np.any(items[1:] < items[:-1])):
            raise ValueError(f"items must be added in non-decreasing order (last was {self._last})")
        self._last = int(items[-1])
        fps = self._fold(keys)
        windows = items // np.uint32(_WINDOW)
        cuts = (np.flatnonzero(windows[1:] != windows[:-1]) + 1).tolist()
        for lo, hi in zip([0, *cuts], [*cuts, len(fps)], strict=True):
            self._append(fps[lo:hi], items[lo:hi])

    def _append(self, fps: np.ndarray, items: np.ndarray) -> None:
        """Add entries of one item window to the head, sealing it when it is full or of another window."""
        if len(self._head) and self._head.window != int(items[0]) // _WINDOW:
            self._seal()
        self._head.add(fps, items)
        if len(self._head) >= _HEAD:
            self._seal()

    def _seal(self) -> None:
        """Move the head to the run list; merge runs of similar size, and each closed window into one."""
        if not len(self._head):
            return
        head = _build(self._head.fps, self._head.items, self.key_bits)
        self._head = _Head()
        closed = _compact([r for r in self._runs if r.window != head.window])
        runs = [r for r in self._runs if r.window == head.window] + [head]
        while len(runs) > 1 and len(runs[-2]) <= 2 * len(runs[-1]):
            last = runs.pop()
            runs[-1] = _merge([runs[-1], last])
        self._runs = closed + runs

    def compact(self) -> None:
        """Merge each window's runs into one: lookups probe fewer runs (and find the same entries)."""
        self._runs = _compact(self._runs)

    def lookup(self, keys: np.ndarray | list[int]) -> np.ndarray:
        """Items holding any of `keys`, once per matching entry."""
        return self.matches(keys)[1]

    def matches(self, keys: np.ndarray | list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(index into the flattened `keys`, item number) of every matching entry."""
        fps = self._fold(keys)
        found = [r.matches(fps) for r in self._runs] + [self._head.matches(fps)] if len(fps) else []
        found = [f for f in found if len(f[0])]
        if not found:
            return _NO_MATCH
        return np.concatenate([q for q, _ in found]), np.concatenate([i for _, i in found])

    def state(self) -> dict[str, np.ndarray]:
        """The table as named arrays (runs are never changed in place: this copies nothing)."""
        arrays: dict[str, np.ndarray] = {"last": np.array([self._last], dtype=np.int64)}
        for n, run in enumerate(self._all_runs()):
            arrays[f"{n}.meta"] = np.array([run.base, run.key_bits, run.bits], dtype=np.int64)
            for name in ("directory", "rest", "high", "items"):
                arrays[f"{n}.{name}"] = getattr(run, name)
        return arrays

    @classmethod
    def from_state(cls, key_bits: int, arrays: dict[str, np.ndarray]) -> KeyTable:
        """The table `state` gave (its head becomes a sealed run: lookups are the same)."""
        table = cls(key_bits)
        table._last = int(arrays["last"][0])
        n = 0
        while f"{n}.meta" in arrays:
            base, bits_of_keys, bits = (int(v) for v in arrays[f"{n}.meta"])
            parts = (arrays[f"{n}.{name}"] for name in ("directory", "rest", "high", "items"))
            table._runs.append(_Run(base, bits_of_keys, bits, *parts))
            n += 1
        return table

    def _all_runs(self) -> list[_Run]:
        """The runs, the head built into one (lookups find the same entries)."""
        head = self._head
        return self._runs + ([_build(head.fps, head.items, self.key_bits)] if len(head) else [])

    def __len__(self) -> int:
        return sum(len(r) for r in self._runs) + len(self._head)

    @property
    def runs(self) -> int:
        """Number of sorted runs a lookup probes (the head included)."""
        return len(self._runs) + bool(len(self._head))

    @property
    def nbytes(self) -> int:
        """Bytes held: every run's arrays and objects, the head's, and the table's own object and list."""
        runs = sum(r.nbytes for r in self._runs) + sys.getsizeof(self._runs)
        return runs + self._head.nbytes + sys.getsizeof(self)


class _Head:
    """The newest entries, of one item window: fingerprints sorted, ties in the order they were added
    (as a stable sort of everything added puts them, which is how `_build` orders a run), and items."""

    def __init__(self) -> None:
        self.fps = np.empty(0, dtype=np.uint64)
        self.items = _EMPTY

    def __len__(self) -> int:
        return len(self.fps)

    @property
    def window(self) -> int:
        return int(self.items[0]) // _WINDOW

    @property
    def nbytes(self) -> int:
        return _size(self.fps) + _size(self.items) + sys.getsizeof(self)

    def add(self, fps: np.ndarray, items: np.ndarray) -> None:
        order = _stable_order(fps)
        fps = fps[order]
        # After the equal fingerprints already held: they were added first.
        new = np.searchsorted(self.fps, fps, side="right") + np.arange(len(fps))
        old = np.ones(len(self.fps) + len(fps), dtype=bool)
        old[new] = False
        merged_fps, merged_items = np.empty(len(old), dtype=np.uint64), np.empty(len(old), dtype=np.uint32)
        merged_fps[new], merged_items[new] = fps, items[order]
        merged_fps[old], merged_items[old] = self.fps, self.items
        self.fps, self.items = merged_fps, merged_items

    def matches(self, fps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As `_Run.matches`: by query, then in the order the run would hold them."""
        if not len(self.fps):
            return _NO_MATCH
        lo = np.searchsorted(self.fps, fps, side="left")
        sizes = np.searchsorted(self.fps, fps, side="right") - lo
        total = int(sizes.sum())
        if not total:
            return _NO_MATCH
        ends = np.cumsum(sizes)
        positions = np.repeat(lo - ends + sizes, sizes) + np.arange(total)
        return np.repeat(np.arange(len(fps)), sizes), self.items[positions]
