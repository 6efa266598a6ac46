"""FedPolicy: futures vs proxy labelling, JSON shape, point in time, report section, figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import flowdesk
from flowdesk.errors import ConfigError, DataError
from flowdesk.policy import FedPolicy, FedPolicyResult
from flowdesk.report.sections import ReportContext
from flowdesk.report.sections import fed as policy_section

ASOF = pd.Timestamp("2024-09-10")


def _futures() -> pd.DataFrame:
    # Target 5.25-5.50, EFFR 5.33. Sept 18 (N=30): 40% -50 bp, 60% -25 bp -> post 4.98.
    # Nov 7 (N=30): -25 bp for sure -> 4.73. Dec 18 (N=31): 50% -25 bp -> 4.605.
    # August and October are clean months.
    rates = {
        "2024-08": 5.33,
        "2024-09": (17 * 5.33 + 13 * 4.98) / 30,
        "2024-10": 4.98,
        "2024-11": (6 * 4.98 + 24 * 4.73) / 30,
        "2024-12": (17 * 4.73 + 14 * 4.605) / 31,
    }
    return pd.DataFrame({"month": list(rates), "price": [100 - r for r in rates.values()],
                         "date": ASOF})


@pytest.fixture(scope="module")
def futures_result() -> FedPolicyResult:
    return FedPolicy(n_boot=100).estimate(ASOF, futures=_futures())


@pytest.fixture(scope="module")
def proxy_result() -> FedPolicyResult:
    return FedPolicy(n_boot=100).estimate(ASOF)


def test_futures_give_fedwatch_probabilities(futures_result: FedPolicyResult) -> None:
    r = futures_result
    assert r.source == "futures" and r.label == "FedWatch (CME method)"
    assert (r.target.low, r.target.high) == (5.25, 5.5)
    sep, nov, dec = r.meetings
    assert sep.date == pd.Timestamp("2024-09-18")
    assert sep.p_cut == pytest.approx(1.0)
    assert sep.distribution == pytest.approx({"4.75-5.00": 0.4, "5.00-5.25": 0.6})
    assert nov.distribution == pytest.approx({"4.50-4.75": 0.4, "4.75-5.00": 0.6})
    # Dec: conditional 50% cut -> {-1: .5, 0: .5} convolved with Nov's cumulative.
    assert dec.p_cut == pytest.approx(0.5) and dec.p_hold == pytest.approx(0.5)
    assert dec.distribution == pytest.approx(
        {"4.25-4.50": 0.2, "4.50-4.75": 0.5, "4.75-5.00": 0.3}
    )
    assert dec.expected_rate == pytest.approx(4.605)
    assert any("2025-01-29" in n and "beyond" in n for n in r.notes)
    assert "FedWatch (CME method)" in r.summary()
    frame = r.to_frame()
    assert frame.loc["2024-12-18", "p_below_today"] == pytest.approx(1.0)


def test_to_dict_shape(futures_result: FedPolicyResult, proxy_result: FedPolicyResult) -> None:
    for r in (futures_result, proxy_result):
        d = json.loads(json.dumps(r.to_dict()))
        assert {"source", "asof", "target_range", "meetings", "notes", "attribution"} <= set(d)
        assert d["asof"] == "2024-09-10"
        assert d["target_range"]["label"] == "5.25-5.50"
        meeting = d["meetings"][0]
        assert {"date", "p_cut", "p_hold", "p_hike", "expected_rate", "distribution"} <= set(
            meeting
        )
        assert sum(meeting["distribution"].values()) == pytest.approx(1.0, abs=1e-3)
        assert set(d["attribution"]["series"]) == {"SP500", "DGS2", "proxy_3m"}
    assert futures_result.to_dict()["source"] == "futures"


def test_proxy_is_labelled_as_a_proxy(proxy_result: FedPolicyResult) -> None:
    r = proxy_result
    assert r.source == "curve_proxy" and r.label == "curve-implied proxy"
    d = r.to_dict()
    assert d["source"] == "curve_proxy" and d["note"].startswith("proxy:")
    assert d["proxy"]["source"] == "curve_proxy"
    assert all(m["method"] == "curve proxy" for m in d["meetings"])
    text = r.summary()
    assert "curve-implied proxy" in text and "not FedWatch" in text
    assert "FedWatch (CME method)" not in text
    assert "FedWatch (CME method)" not in r._repr_html_()
    # Eve of the September 2024 cut: the proxy prices a cut at the next meeting.
    assert r.meetings[0].date == pd.Timestamp("2024-09-18") and r.meetings[0].p_cut == 1.0


def test_futures_priced_after_asof_are_rejected() -> None:
    late = _futures().assign(date=pd.Timestamp("2024-09-11"))
    with pytest.raises(DataError, match="dated after asof 2024-09-10"):
        FedPolicy(n_boot=10).estimate(ASOF, futures=late)


def test_target_override_and_bad_options() -> None:
    r = FedPolicy(n_boot=10).estimate(ASOF, futures=_futures(), target=(5.0, 5.25))
    assert r.target.source == "override"
    assert r.meetings[0].distribution == pytest.approx({"4.50-4.75": 0.4, "4.75-5.00": 0.6})
    with pytest.raises(ConfigError, match=r"50\.0 bp"):
        FedPolicy(n_boot=10).estimate(ASOF, target=(5.0, 5.5))
    with pytest.raises(ConfigError, match="allocation"):
        FedPolicy(allocation="all")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="n_boot"):
        FedPolicy(n_boot=0)


def test_estimate_is_point_in_time(proxy_result: FedPolicyResult) -> None:
    earlier = FedPolicy(n_boot=10).estimate("2024-06-28")
    later = proxy_result.proxy.history.loc[: "2024-06-28"]
    cols = ["effr", "spread", "implied_3m", "delta", "p_cut_next"]
    pd.testing.assert_frame_equal(earlier.proxy.history[cols], later[cols])


def test_section_and_figures(
    proxy_result: FedPolicyResult, futures_result: FedPolicyResult
) -> None:
    section = policy_section.section_from_result(proxy_result)
    assert (section.id, section.title, section.status) == ("fed", "Policy", "ok")
    ids = [i for i, _ in section.figures]
    # Issue 17 adds the cut-odds history and the odds attribution.
    assert ids == ["fed-next-meeting", "fed-proxy-history", "fed-variance-shares",
                   "fed-cut-odds-history", "fed-odds-attribution"]
    assert 'class="fed-matrix"' in section.body_html
    assert 'class="fed-matrix-change"' in section.body_html
    assert section.body_html.count('class="fed-matrix-past"') == 3  # 1d, 1w, 1m
    assert 'class="fed-odds"' in section.body_html and "speech days are unknown" in (
        section.body_html)
    assert "not FedWatch" in dict(section.figures)["fed-cut-odds-history"].layout.title.text
    titles = [f.layout.title.text for _, f in section.figures]
    assert "curve-implied proxy" in titles[0] and "as of 2024-09-10" in titles[0]
    assert "not FedWatch" in titles[1]
    assert "not</strong> CME FedWatch" in section.body_html
    labels = [k.label for k in section.key_numbers]
    assert any(label.startswith("P(cut), next meeting 2024-09-18") for label in labels)
    assert all(k.unit for k in section.key_numbers)
    bars = section.figures[0][1].data[0]
    assert list(bars.x) == list(proxy_result.meetings[0].distribution)
    fw = policy_section.section_from_result(futures_result)
    assert "FedWatch (CME method)" in fw.figures[0][1].layout.title.text
    assert "not</strong> CME FedWatch" not in fw.body_html
    with pytest.raises(ConfigError, match="no chart 'nope'"):
        flowdesk.plot(proxy_result, "nope")


def test_build_from_report_context() -> None:
    section = policy_section.build(ReportContext(asof=pd.Timestamp("2023-06-30")))
    assert section.ok and section.freshness["DGS2"] <= pd.Timestamp("2023-06-30")
