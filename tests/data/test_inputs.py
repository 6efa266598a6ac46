"""load_inputs: a model's series at one as-of date, a missing one kept as its error."""

from __future__ import annotations

import pandas as pd
import pytest

import flowdesk.data.inputs as inputs
from flowdesk.errors import DataError

ASOF = pd.Timestamp("2020-03-24")


def test_loaded_and_missing_are_split_in_the_order_asked() -> None:
    # DFEDTARU is live-only: nothing is shipped for it, so it cannot load offline.
    loaded, missing = inputs.load_inputs(["VIX", "DFEDTARU", "SP500"], asof=ASOF)
    assert list(loaded) == ["VIX", "SP500"]
    assert list(missing) == ["DFEDTARU"]
    assert "live-only" in str(missing["DFEDTARU"])
    # The S&P 500 closed at 2237.40 on 2020-03-23, published the same day.
    assert loaded["SP500"].loc["2020-03-23"] == pytest.approx(2237.40, abs=0.01)
    assert loaded["SP500"].index[-1] <= ASOF


def test_a_required_series_stops_before_later_ones_load(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    real = inputs.load

    def spy(sid: str, **kwargs: object) -> pd.Series | pd.DataFrame:
        asked.append(sid)
        return real(sid, **kwargs)

    monkeypatch.setattr(inputs, "load", spy)
    with pytest.raises(DataError, match="DFEDTARU"):
        inputs.load_inputs(["SP500", "DFEDTARU", "VIX"], asof=ASOF, required=("DFEDTARU",))
    assert asked == ["SP500", "DFEDTARU"]
