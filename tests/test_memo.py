"""The memo dict answers as its function does, and keeps no more than its limit."""

from __future__ import annotations

from dedup._util.memo import Memo


def test_memo_answers_as_its_function_and_keeps_at_most_its_limit() -> None:
    calls: list[int] = []

    def square(x: int) -> int:
        calls.append(x)
        return x * x

    memo = Memo(square, 2)
    assert [memo[x] for x in (3, 3, 4, 5, 5)] == [9, 9, 16, 25, 25]
    assert calls == [3, 4, 5, 5]  # 5 came after the limit: computed each time, never kept
    assert dict(memo) == {3: 9, 4: 16}
    assert list(map(memo.__getitem__, [4, 3])) == [16, 9]
