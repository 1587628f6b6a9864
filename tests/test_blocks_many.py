"""Blocks found over a shared buffer equal `segment.blocks` of each text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import SegmentConfig
from dedup.prepare.segment import blocks, blocks_many
from dedup.sketch.shingle import frame_bytes

WORDS = ["The", "council", "said", "5.5", "pct", "U.S.", "Mr.", "end.", "why?", "(Reuters)", "ok;", "x"]
# Pieces that steer every layout rule: blank lines, indents, tabs, odd whitespace, short and long lines.
PIECES = [*WORDS, " ", "  ", "\t", "\n", "\n\n", "\n  ", "\n\t", "\r\n", " \n", "\x0b", "\x1c", "é"]


@st.composite
def _line(draw: st.DrawFn, width: int) -> str:
    """A line about `width` wide, at or near the thresholds of `_is_hard_wrapped` and `_split_wrapped`."""
    share = draw(st.sampled_from([1.0, 0.95, 0.7, 0.69, 0.6, 0.59, 0.3]))
    body = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=30, max_size=30)))[: max(1, round(share * width))]
    lead = draw(st.sampled_from(["", "", "", "  ", "\t", " ", " \t", "   "]))
    return lead + body.strip() + draw(st.sampled_from(["", "", " ", "\r"]))


@st.composite
def _layout(draw: st.DrawFn) -> str:
    """Groups of lines of one width, apart by blank lines."""
    groups = []
    for _ in range(draw(st.integers(1, 4))):
        width = draw(st.sampled_from([20, 40, 70, 100, 101, 140, 400]))
        groups.append("\n".join(draw(st.lists(_line(width), min_size=1, max_size=12))))
    return draw(st.sampled_from(["\n\n", "\n \n", "\n\t\n\n"])).join(groups)


def _texts() -> st.SearchStrategy[str]:
    loose = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
    return st.one_of(_layout(), loose)


def _check(texts: list[str], config: SegmentConfig) -> None:
    plain = [t.isascii() for t in texts]
    buf, offsets = frame_bytes([t.encode("ascii") if ok else b"" for t, ok in zip(texts, plain, strict=True)])
    found = blocks_many(texts, buf, offsets, config)
    assert found.per_text == [blocks(t, config) if ok else [] for t, ok in zip(texts, plain, strict=True)]
    flat = [s for text_blocks in found.per_text for s in text_blocks]
    assert (found.spans - offsets[found.text][:, None]).tolist() == [list(s) for s in flat]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_texts(), max_size=6))
def test_blocks_of_many_texts_equal_each_texts(texts: list[str]) -> None:
    _check(texts, SegmentConfig())


@settings(max_examples=100, deadline=None)
@given(st.lists(_texts(), max_size=4))
def test_long_paragraphs_are_cut_into_windows_as_alone(texts: list[str]) -> None:
    _check(texts, SegmentConfig(max_block_chars=200, window_sentences=2))


def test_layouts() -> None:
    wrapped = "\n".join(["  " + "word " * 12, "word " * 13, "word " * 5, "  " + "word " * 12, "word " * 13])
    texts = [
        "",
        "   \n\t\n",
        "One.\n\nTwo.",
        wrapped,
        "A line\nthat wraps\nin three places\n\nAnd more.",
        " " * 40 + "\n" + "x" + " " * 40 + "\n",
        "Café\n\nau lait",
        "Short.\nLines that end.\nOn a stop.\n",
    ]
    _check(texts, SegmentConfig())
