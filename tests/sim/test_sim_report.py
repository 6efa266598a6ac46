"""The Simulator report section and its figures."""

from __future__ import annotations

import pandas as pd
import pytest

from flowdesk.report.html import render_section
from flowdesk.report.sections import ReportContext, Section
from flowdesk.report.sections import simulator as sim_section
from flowdesk.sim.model import MarketSimulator


@pytest.fixture(scope="module")
def small():
    return MarketSimulator(seed=1).estimate(paths=12, years=0.5, moment_paths=12)


def test_section_from_result(small) -> None:
    asof = pd.Timestamp("2026-08-21")
    sec = sim_section.section_from_result(small, asof)
    assert isinstance(sec, Section) and sec.id == "simulator" and sec.title == "Simulator"
    assert [d for d, _ in sec.figures] == ["simulator-paths", "simulator-amplification",
                                           "simulator-acf"]
    labels = [k.label for k in sec.key_numbers]
    assert "Realized vol, all on / systematic off" in labels
    html = render_section(sec)
    assert 'id="simulator"' in html and "sim-amplification" in html
    verdict = small.long_memory()["beats_null"]
    assert ("does not beat the null" in sec.body_html) is (not verdict)


def test_build_skips_episodes_after_the_asof_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim_section, "REPORT_PATHS", 8)
    monkeypatch.setattr(sim_section, "REPORT_YEARS", 0.5)
    monkeypatch.setattr(sim_section, "REPORT_REPLAY_DRAWS", 2)
    sec = sim_section.build(ReportContext(asof=pd.Timestamp("2024-12-31")))
    assert "Volmageddon" in sec.body_html and "Aug 2024" in sec.body_html
    assert "Apr 2025" not in sec.body_html  # not over by the as-of date
    assert "not shown" not in (sec.note or "")


def test_build_names_each_failed_replay_in_the_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowdesk.errors import DataError
    from flowdesk.sim.replay import Episode, Replay

    run = Replay.run

    def covid_fails(self: Replay, episode: Episode, closes: pd.Series | None = None):
        if episode.name == "mar2020":
            raise DataError("no closes for this window")
        return run(self, episode, closes=closes)

    monkeypatch.setattr(Replay, "run", covid_fails)
    monkeypatch.setattr(sim_section, "REPORT_PATHS", 8)
    monkeypatch.setattr(sim_section, "REPORT_YEARS", 0.5)
    monkeypatch.setattr(sim_section, "REPORT_REPLAY_DRAWS", 2)
    sec = sim_section.build(ReportContext(asof=pd.Timestamp("2020-12-31")))
    assert "Volmageddon" in sec.body_html and "Covid crash" not in sec.body_html
    assert sec.note is not None
    assert "Replay of Mar 2020 (Covid crash) not shown: no closes for this window." in sec.note
