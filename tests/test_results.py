"""The Result mixin's derived forms, on a minimal hand-written result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from flowdesk.results import Result, notes_lines, price_text


@dataclass(frozen=True)
class _Tiny(Result):
    when: pd.Timestamp
    level: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        return "\n".join([f"Level {self.level:.1f}", *notes_lines(self.notes)])

    def _payload(self, **options: Any) -> dict[str, Any]:
        return {"when": self.when, "level": self.level, "notes": list(self.notes)}


def test_notes_block_is_empty_without_notes() -> None:
    assert notes_lines(()) == []
    assert notes_lines(["a", "b"]) == ["", "Notes:", "- a", "- b"]


def test_summary_str_json_and_html_come_from_the_two_methods() -> None:
    tiny = _Tiny(pd.Timestamp("2024-06-28"), float("nan"), ("stale VIX",))
    assert str(tiny) == "Level nan\n\nNotes:\n- stale VIX"
    # One encoder: dates as YYYY-MM-DD, NaN as None.
    assert tiny.to_dict() == {"when": "2024-06-28", "level": None, "notes": ["stale VIX"]}
    assert tiny._repr_html_() == "<pre>Level nan\n\nNotes:\n- stale VIX</pre>"


def test_price_text_prints_levels_as_desks_do() -> None:
    # Written out by hand: index levels in whole points, ETFs and FX in cents.
    assert price_text(24293.7) == "24,294"
    assert price_text(6615.28) == "6,615"
    assert price_text(89.214) == "89.21"
    assert price_text(1.1734) == "1.17"
    assert price_text(0.004567) == "0.004567"
    assert price_text(None) == "n/a" and price_text(float("nan")) == "n/a"
