"""The real flows desk on one shipped case date: the figures compared are the desk's own."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from flowdesk.flows.desk import FlowsDesk
from flowdesk.validation import FIELDS, shipped_cases, validate
from flowdesk.validation import cache as validation_cache
from flowdesk.validation.metrics import lookup

DATE = pd.Timestamp("2024-09-16")  # the case with every figure


def test_the_desk_on_one_shipped_date(monkeypatch: pytest.MonkeyPatch) -> None:
    validation_cache.clear()
    shipped = shipped_cases()
    one = replace(shipped, cases=tuple(c for c in shipped.cases if c.date == DATE))
    result = validate(one)
    desk = FlowsDesk().estimate(DATE).to_dict()
    assert result.model == "FlowsDesk()" and result.n_cases == 1
    assert list(result.cases["session"]) == [desk["session"]]
    assert list(result.cases["spot"]) == [desk["spot"]]
    assert len(result.comparisons) == 18  # every figure of the layout is published that day
    for _, row in result.comparisons.iterrows():
        ours = lookup(desk, FIELDS[row["column"]].path)
        assert (pd.isna(row["ours"]) and ours is None) or row["ours"] == pytest.approx(ours)
        assert row["status"] in ("ok", "flat", "no estimate")
    # A key the model has today is compared; one it may not have yet is n/a, never an error.
    assert lookup(desk, FIELDS["pivot_short"].path) is not None
    short = next(r for r in result.summary_rows if r.key == "pivot_short")
    assert short.n == 1 and short.stats["median_error_pct"] == pytest.approx(
        100 * (desk["cta"]["assets"]["SP500"]["pivots"]["short"] - 5526) / 5526)
    # The second run on the same code, data and settings does not run the model again.
    monkeypatch.setattr(FlowsDesk, "estimate", lambda *a, **k: pytest.fail("not cached"))
    again = validate(one)
    assert again.comparisons.equals(result.comparisons)
