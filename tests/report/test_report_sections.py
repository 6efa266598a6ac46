"""Sections: key numbers, freshness flags, the registry and failure isolation."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from flowdesk.errors import DataError, ModelError
from flowdesk.report.sections import (
    SECTIONS,
    KeyNumber,
    ReportContext,
    Section,
    SectionBuilder,
    build_sections,
)

ASOF = pd.Timestamp("2026-08-21")


def _ok(section_id: str) -> SectionBuilder:
    return SectionBuilder(section_id, section_id.title(),
                          lambda ctx: Section(id=section_id, title=section_id.title(),
                                              asof=ctx.asof))


def _failing(exc: Exception) -> SectionBuilder:
    def build(ctx: ReportContext) -> Section:
        raise exc

    return SectionBuilder("broken", "Broken section", build)


def test_build_sections_isolates_flowdesk_errors_and_keeps_order() -> None:
    ctx = ReportContext(asof=ASOF)
    built = build_sections(ctx, [_ok("first"), _failing(ModelError("too few points")),
                                 _ok("last")])
    assert [s.id for s in built] == ["first", "broken", "last"]
    assert [s.status for s in built] == ["ok", "unavailable", "ok"]
    assert built[1].note == "too few points"
    assert built[1].title == "Broken section"
    assert built[1].asof == ASOF


def test_build_sections_reports_progress_per_section() -> None:
    calls: list[tuple[int, int, str]] = []
    build_sections(ReportContext(asof=ASOF), [_ok("first"), _failing(ModelError("x"))],
                   progress=lambda done, total, title: calls.append((done, total, title)))
    assert calls == [(0, 2, "First"), (1, 2, "Broken section"), (2, 2, "")]


def test_build_sections_lets_bugs_propagate() -> None:
    with pytest.raises(ZeroDivisionError):
        build_sections(ReportContext(asof=ASOF), [_ok("a"), _failing(ZeroDivisionError())])


def test_registry_starts_with_the_overview() -> None:
    assert SECTIONS[0].id == "overview"
    assert len({b.id for b in SECTIONS}) == len(SECTIONS)


def test_freshness_rows_flag_stale_series() -> None:
    # Catalog rule: stale after 2 * spacing + publication lag + 3 days.
    # VIX: daily (spacing 4), lag 0 -> 11 days; NETLIQ: weekly (7), lag 1 -> 18 days.
    section = Section(
        id="x", title="X", asof=ASOF,
        freshness={
            "SP500": ASOF,
            "VIX": ASOF - pd.Timedelta(days=11),
            "VIX3M": ASOF - pd.Timedelta(days=12),
            "NETLIQ": ASOF - pd.Timedelta(days=19),
            "DGS2": None,
            "NOT_IN_CATALOG": pd.Timestamp("2001-01-01"),
        },
    )
    rows = {r.series_id: r for r in section.freshness_rows()}
    assert (rows["SP500"].stale, rows["SP500"].age_days) == (False, 0)
    assert (rows["VIX"].stale, rows["VIX"].age_days) == (False, 11)
    assert (rows["VIX3M"].stale, rows["VIX3M"].age_days) == (True, 12)
    assert rows["NETLIQ"].stale is True
    assert rows["DGS2"].stale is True and rows["DGS2"].last is None
    assert rows["NOT_IN_CATALOG"].stale is False


def test_with_notes_puts_model_notes_before_the_stale_inputs() -> None:
    # VIX3M (daily, stale after 11 days) is stale at 12 days; SP500 is fresh.
    section = Section(
        id="x", title="X", asof=ASOF,
        freshness={"SP500": ASOF, "VIX3M": ASOF - pd.Timedelta(days=12)},
    )
    noted = section.with_notes(["Model note."])
    assert noted.note == (
        "Model note. Stale inputs for this as-of date: VIX3M (last 2026-08-09, 12 days old)."
    )
    assert (noted.id, noted.freshness) == (section.id, section.freshness)
    assert section.note is None
    fresh = Section(id="x", title="X", asof=ASOF, freshness={"SP500": ASOF})
    assert fresh.with_notes().note is None
    assert fresh.with_notes(["A.", "B."]).note == "A. B."


def test_key_number_formatting_and_json() -> None:
    kn = KeyNumber(label="S&P 500", value=7674.3701171875, unit="index points",
                   obs_date=pd.Timestamp("2026-08-21"), change_1w=120 / 110 * 100 - 100,
                   change_1m=-0.25, change_1y=math.nan, change_unit="%")
    assert kn.format_value() == "7,674.37"
    assert kn.format_change("1w") == "+9.09%"
    assert kn.format_change("1m") == "-0.25%"
    assert kn.format_change("1y") == "n/a"
    pp = KeyNumber(label="10y", value=4.61, unit="percent", obs_date=None,
                   change_1w=-0.1, change_unit="pp")
    assert pp.format_change("1w") == "-0.10 pp"
    assert pp.format_obs_date(ASOF) == "none published by 2026-08-21"
    assert kn.to_dict() == {
        "label": "S&P 500", "value": 7674.3701, "unit": "index points",
        "obs_date": "2026-08-21", "change_1w": 9.0909, "change_1m": -0.25,
        "change_1y": None, "change_unit": "%",
    }


def test_overview_section_content() -> None:
    from flowdesk.data import load
    from flowdesk.report.sections import overview

    # The last S&P 500 close of the embedded data: VIX (Cboe, then FRED's VIXCLS)
    # ends three weeks before it there, which the section must flag.
    asof = load("SP500").index[-1]
    ctx = ReportContext(asof=asof)
    section = overview.build(ctx)
    assert section.ok and section.id == "overview"
    labels = [k.label for k in section.key_numbers]
    assert labels[:2] == ["S&P 500", "S&P 500 drawdown from peak"]
    dom_ids = [dom_id for dom_id, _ in section.figures]
    assert len(dom_ids) == 4 and len(set(dom_ids)) == 4
    assert set(section.freshness) == {"SP500", "VIX", "VIX3M", "DGS3MO", "DGS2", "DGS10",
                                      "DFF", "NETLIQ"}
    vix_last = load("VIX").index[-1]
    assert (asof - vix_last).days > 11
    assert section.note is not None and "VIX (last" in section.note
    assert section.freshness["VIX"] == vix_last
    sp = section.key_numbers[0]
    assert sp.value == pytest.approx(float(load("SP500").loc[asof]))
    assert sp.obs_date == asof and sp.unit == "index points" and sp.change_unit == "%"


def test_overview_section_asof_outside_data_is_flowdesk_error() -> None:
    from flowdesk.report.sections import overview

    with pytest.raises(DataError, match="outside the data"):
        overview.build(ReportContext(asof=pd.Timestamp("2031-01-01")))


@pytest.mark.parametrize("asof", ["2024-12-31", "2026-08-21"])
def test_no_section_reports_data_from_after_its_date(asof: str) -> None:
    # A negative freshness age would mean a section saw data published after the
    # date it claims; the simulator has no as-of data and is built elsewhere.
    ctx = ReportContext(asof=pd.Timestamp(asof))
    builders = [b for b in SECTIONS if b.id != "simulator"]
    for section in build_sections(ctx, builders):
        assert section.asof == ctx.asof, section.id
        for row in section.freshness_rows():
            assert row.age_days is None or row.age_days >= 0, (section.id, row)


def test_result_section_takes_id_title_freshness_and_notes_from_registry_and_result() -> None:
    from types import SimpleNamespace

    from flowdesk.report.sections import result_section

    # VIX3M (daily, stale after 11 days) is stale at 12 days; SP500 is fresh.
    result = SimpleNamespace(
        asof=ASOF,
        last_obs={"SP500": ASOF, "VIX3M": ASOF - pd.Timedelta(days=12)},
        notes=("Model note without a full stop",),
    )
    section = result_section("vix", result, body_html="<p>x</p>", figures={"ratio": None},
                             key_numbers=[], methodology="m", notes=["Section note."])
    assert (section.id, section.title, section.asof) == ("vix", "Volatility", ASOF)
    assert [dom for dom, _ in section.figures] == ["vix-ratio"]
    assert section.freshness == result.last_obs
    assert section.note == (
        "Model note without a full stop. Section note. Stale inputs for this as-of date:"
        " VIX3M (last 2026-08-09, 12 days old)."
    )
    with pytest.raises(KeyError, match="no model named"):
        result_section("nope", result, body_html="", figures={}, key_numbers=[],
                       methodology="")


def test_last_obs_reads_the_results_field() -> None:
    from types import SimpleNamespace

    from flowdesk.report.sections import last_obs

    dates = {"VIX": ASOF}
    assert last_obs(SimpleNamespace(last_obs=dates)) == dates
    assert last_obs(SimpleNamespace(obs_date=dates)) == {}  # the old name is gone
    assert last_obs(SimpleNamespace()) == {}


def test_drivers_section_warns_about_stale_inputs() -> None:
    from flowdesk.data import load
    from flowdesk.data.catalog import get_spec
    from flowdesk.report.sections import drivers

    # Catalog rule by hand: VIX is daily (spacing 4 days), published the same day,
    # grace 3 days -> stale after 2 * 4 + 0 + 3 = 11 days. In the embedded data its
    # last close is weeks before the last S&P 500 close.
    assert get_spec("VIX").stale_after_days == 11
    asof = load("SP500").index[-1]
    vix_last = load("VIX", asof=asof).index[-1]
    age = (asof - vix_last).days
    assert age > 11
    section = drivers.build(ReportContext(asof=asof))
    assert section.ok and section.asof == asof
    assert section.note is not None
    # The model's notes come first, then the warning.
    assert ("see flowdesk.policy.attribution. Stale inputs for this as-of date: "
            in section.note)
    assert f"VIX (last {vix_last:%Y-%m-%d}, {age} days old)" in section.note


def test_sections_import_nothing_above_the_report() -> None:
    # Every import counts: module level, inside functions and under TYPE_CHECKING.
    import ast
    from pathlib import Path

    import flowdesk.report.sections as package

    folder = Path(package.__file__).parent
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(("flowdesk.web", "flowdesk.cli")), (path.name, name)
                if path.name != "__init__.py":
                    # Section modules use the types in base, never the package (its
                    # registry imports them).
                    assert name not in ("flowdesk.report.sections",
                                        "flowdesk.report.sections.SECTIONS"), (path.name, name)


def test_a_fixed_calibration_sample_is_listed_but_never_stale() -> None:
    """SP500 ending 2018-12-31 is stale for a 2024 as-of, unless it is a fixed sample."""
    from flowdesk.report.sections.base import freshness_rows

    asof, end = pd.Timestamp("2024-06-28"), pd.Timestamp("2018-12-31")
    (live,) = freshness_rows({"SP500": end}, asof)
    (fixed,) = freshness_rows({"SP500": end}, asof, fixed={"SP500"})
    assert live.stale and live.age_days == 2006
    assert not fixed.stale and fixed.age_days == 2006
    assert fixed.description == "fixed calibration sample, by design"
    section = Section(id="s", title="S", asof=asof, freshness={"SP500": end},
                      fixed_inputs=frozenset({"SP500"})).with_notes()
    assert section.note is None
