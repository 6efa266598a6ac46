"""Regime rules on hand-built inputs: one base test class run against every regime.

In the style of exchange_calendars' ``ExchangeCalendarTestBase``: the base class
holds the tests, each subclass supplies the regime, inputs that must trigger it
and near misses (one input changed) that must not, with the label they should
get instead, all worked out by hand from :data:`DEFAULT_THRESHOLDS`.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar

import pandas as pd
import pytest

from flowdesk.errors import ConfigError
from flowdesk.vol.regimes import (
    DEFAULT_THRESHOLDS,
    INPUTS,
    REGIMES,
    Thresholds,
    apply_persistence,
    classify,
    regime_rule,
    rules_text,
    unavailable_inputs,
)

NAN = math.nan
Inputs = dict[str, float]


def _inputs(**values: float) -> Inputs:
    base = dict.fromkeys(INPUTS, NAN)
    base.update(values)
    return base


class RegimeRuleBase:
    """Tests every regime subclass inherits."""

    regime: ClassVar[str]
    triggers: ClassVar[dict[str, Inputs]]
    #: name -> (overrides of the first trigger, expected label instead)
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]]

    @pytest.fixture()
    def base(self) -> Inputs:
        return next(iter(self.triggers.values()))

    def test_every_trigger_gives_the_regime(self) -> None:
        for name, x in self.triggers.items():
            assert regime_rule(x) == self.regime, name

    def test_near_misses_give_the_expected_other_label(self, base: Inputs) -> None:
        assert self.near_misses, "each regime needs at least one near miss"
        for name, (changes, expected) in self.near_misses.items():
            assert expected != self.regime, name
            assert regime_rule({**base, **changes}) == expected, name

    def test_classify_frame_agrees_with_the_rule(self) -> None:
        frame = pd.DataFrame(list(self.triggers.values()),
                             index=pd.bdate_range("2024-01-02", periods=len(self.triggers)))
        out = classify(frame, Thresholds(persistence=1))
        assert list(out["raw"]) == [self.regime] * len(self.triggers)
        assert list(out["regime"]) == [self.regime] * len(self.triggers)

    def test_regime_is_a_known_label(self) -> None:
        assert self.regime in (*REGIMES, "unclassified")


CALM = _inputs(ratio=0.85, vix=14.0, drawdown=-1.0, ret_5=0.5, ret_10=1.0, rv_iv=0.6,
               inverted_sessions=0, vvix_pct=40.0, ratio_9d=0.9, pcr_pct=30.0)
HEDGING = _inputs(ratio=1.05, vix=25.0, drawdown=-5.0, ret_5=-3.0, ret_10=-4.0, rv_iv=0.6,
                  inverted_sessions=2, vvix_pct=97.0, ratio_9d=1.2, pcr_pct=85.0)
PANIC = _inputs(ratio=1.2, vix=45.0, drawdown=-15.0, ret_5=-8.0, ret_10=-10.0, rv_iv=0.9,
                inverted_sessions=3, vvix_pct=98.0, ratio_9d=1.25, pcr_pct=90.0)
GRIND = _inputs(ratio=1.03, vix=32.0, drawdown=-22.0, ret_5=-2.0, ret_10=-3.0, rv_iv=0.8,
                inverted_sessions=2, vvix_pct=80.0, ratio_9d=1.05, pcr_pct=90.0)


class TestCalmContango(RegimeRuleBase):
    regime = "calm_contango"
    triggers: ClassVar[dict[str, Inputs]] = {
        "quiet": CALM,
        "ratio exactly 1 is not inverted": {**CALM, "ratio": 1.0},
        # Deep drawdown alone does not make an inversion: contango is read off the curve.
        "deep drawdown, low VIX": {**CALM, "drawdown": -30.0, "rv_iv": 1.5},
        "only the curve and VIX known": _inputs(ratio=0.9, vix=12.0),
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        "VIX at the elevated level": ({"vix": 20.0}, "elevated_contango"),
        "ratio just above 1": ({"ratio": 1.001}, "hedging_inversion"),
        "no VIX3M": ({"ratio": NAN}, "unclassified"),
    }


class TestElevatedContango(RegimeRuleBase):
    regime = "elevated_contango"
    triggers: ClassVar[dict[str, Inputs]] = {
        "high VIX, upward curve": {**CALM, "vix": 24.0, "ratio": 0.95},
        "VIX exactly 20": {**CALM, "vix": 20.0},
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        "VIX just below 20": ({"vix": 19.99}, "calm_contango"),
        # Shallow drawdown, rv/VIX 0.6, inverted 0 sessions so far -> hedging.
        "ratio above 1": ({"ratio": 1.0001}, "hedging_inversion"),
    }


class TestHedgingInversion(RegimeRuleBase):
    regime = "hedging_inversion"
    triggers: ClassVar[dict[str, Inputs]] = {
        "shallow, implied rich, short": HEDGING,
        "rv/VIX exactly 0.75": {**HEDGING, "rv_iv": 0.75},
        "inverted exactly 10 sessions": {**HEDGING, "inverted_sessions": 10},
        # Deep-drawdown threshold is inclusive for 'deep', so just above it is shallow.
        "drawdown just above -10": {**HEDGING, "drawdown": -9.99},
        # Fast and stressed but shallow: not panic.
        "fast and stressed, shallow": {**HEDGING, "ret_5": -6.0, "rv_iv": 0.7},
        "no stress inputs at all": {**HEDGING, "vvix_pct": NAN, "ratio_9d": NAN,
                                    "pcr_pct": NAN},
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        "drawdown at -10 is deep (not fast: 5d -3, 10d -4)": ({"drawdown": -10.0},
                                                              "stress_inversion"),
        "realized catching up": ({"rv_iv": 0.76}, "stress_inversion"),
        "inversion lasting 11 sessions": ({"inverted_sessions": 11}, "stress_inversion"),
        "drawdown unknown": ({"drawdown": NAN}, "stress_inversion"),
        "realized vol unknown": ({"rv_iv": NAN}, "stress_inversion"),
        "curve back in contango": ({"ratio": 0.99}, "elevated_contango"),
    }


class TestStressInversion(RegimeRuleBase):
    regime = "stress_inversion"
    triggers: ClassVar[dict[str, Inputs]] = {
        "grinding bear market": GRIND,
        "deep and fast, realized lagging": {**PANIC, "rv_iv": 0.59},
        "deep and fast, one stress signal of three": {**PANIC, "vvix_pct": 94.9,
                                                      "ratio_9d": 1.14},
        "deep and stressed, not fast": {**PANIC, "ret_5": -4.9, "ret_10": -6.9},
        "deep and stressed, speed unknown": {**PANIC, "ret_5": NAN, "ret_10": NAN},
        "deep and fast, no stress input exists": {**PANIC, "vvix_pct": NAN, "ratio_9d": NAN,
                                                  "pcr_pct": NAN},
        "deep and fast, one of two available stress signals": {**PANIC, "pcr_pct": NAN,
                                                               "ratio_9d": 1.0},
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        # GRIND plus speed (5d -6%) and a second stress signal (VVIX 96): panic.
        "fast with VVIX stress": ({"ret_5": -6.0, "vvix_pct": 96.0}, "panic_inversion"),
        "shallow and implied rich": ({"drawdown": -5.0, "rv_iv": 0.7}, "hedging_inversion"),
        "curve in contango": ({"ratio": 0.98}, "elevated_contango"),
    }


class TestPanicInversion(RegimeRuleBase):
    regime = "panic_inversion"
    triggers: ClassVar[dict[str, Inputs]] = {
        "crash": PANIC,
        "drawdown exactly -10": {**PANIC, "drawdown": -10.0},
        "5d return exactly -5, 10d mild": {**PANIC, "ret_5": -5.0, "ret_10": -1.0},
        "10d return exactly -7, 5d mild": {**PANIC, "ret_5": 1.0, "ret_10": -7.0},
        "rv/VIX exactly 0.6": {**PANIC, "rv_iv": 0.6},
        "two of three stress signals": {**PANIC, "pcr_pct": 50.0},
        "put/call not yet available, other two high": {**PANIC, "pcr_pct": NAN},
        "only VVIX exists (before VIX9D), and it is high": {**PANIC, "ratio_9d": NAN,
                                                            "pcr_pct": NAN},
        "long inversion does not stop a panic": {**PANIC, "inverted_sessions": 30},
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        "shallow drawdown (rv/VIX 0.9 > 0.75)": ({"drawdown": -9.99}, "stress_inversion"),
        "not fast": ({"ret_5": -4.99, "ret_10": -6.99}, "stress_inversion"),
        "realized far below implied": ({"rv_iv": 0.599}, "stress_inversion"),
        "one stress signal": ({"ratio_9d": 1.1, "pcr_pct": 79.9}, "stress_inversion"),
        "only VVIX exists and it is not high": ({"ratio_9d": NAN, "pcr_pct": NAN,
                                                 "vvix_pct": 94.0}, "stress_inversion"),
        "curve flat": ({"ratio": 1.0}, "elevated_contango"),
    }


class TestUnclassified(RegimeRuleBase):
    regime = "unclassified"
    triggers: ClassVar[dict[str, Inputs]] = {
        "no VIX3M": {**PANIC, "ratio": NAN},
        "no VIX": {**CALM, "vix": NAN},
    }
    near_misses: ClassVar[dict[str, tuple[dict[str, float], str]]] = {
        "ratio restored": ({"ratio": 0.9, "vix": 15.0}, "calm_contango"),
    }


# --- persistence -------------------------------------------------------------------


def test_persistence_rule_on_a_hand_built_sequence() -> None:
    c, e, h, s, u = ("calm_contango", "elevated_contango", "hedging_inversion",
                     "stress_inversion", "unclassified")
    raw = [c, e, c, e, e, h, s, h, s, s, c, u, c]
    # Within contango a change needs 2 sessions (t4); the switch to inversion is
    # immediate (t5); within inversion stress waits until its second session (t9);
    # back to contango and after an unclassified session: immediate.
    expected = [c, c, c, c, e, h, h, h, h, s, c, u, c]
    index = pd.bdate_range("2024-01-02", periods=len(raw))
    assert list(apply_persistence(pd.Series(raw, index=index), 2)) == expected
    assert list(apply_persistence(pd.Series(raw, index=index), 1)) == raw


def test_persistence_is_point_in_time() -> None:
    raw = ["calm_contango", "elevated_contango", "elevated_contango", "calm_contango"] * 5
    full = apply_persistence(pd.Series(raw), 2)
    for t in range(1, len(raw)):
        assert list(apply_persistence(pd.Series(raw[:t]), 2)) == list(full.iloc[:t])


# --- thresholds and transparency ----------------------------------------------------


def test_thresholds_can_move_a_boundary() -> None:
    assert regime_rule({**CALM, "vix": 17.0}) == "calm_contango"
    assert regime_rule({**CALM, "vix": 17.0}, Thresholds(elevated_vix=16.0)) == (
        "elevated_contango"
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"persistence": 0}, {"elevated_vix": math.nan}, {"min_history": 2.5},
     {"panic_rv_iv": "high"}, {"min_stress_signals": True}],
)
def test_bad_thresholds_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Thresholds(**kwargs)


def test_rules_text_holds_every_threshold_and_the_rule_source() -> None:
    text = rules_text(DEFAULT_THRESHOLDS)
    for name, value in DEFAULT_THRESHOLDS.to_dict().items():
        assert f"{name} = {value!r}" in text
    assert inspect.getsource(regime_rule).rstrip() in text
    assert "if deep and fast and catching_up and spreading:" in text


def test_unavailable_inputs_lists_missing_ones() -> None:
    assert unavailable_inputs({**PANIC, "pcr_pct": NAN, "ratio_9d": NAN}) == [
        "ratio_9d", "pcr_pct"]
    assert unavailable_inputs(PANIC) == []
