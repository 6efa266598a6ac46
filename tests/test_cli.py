"""The command line: outputs, JSON shapes, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowdesk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("flowdesk ")


def test_data_list_json_has_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "list", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list) and len(rows) > 40
    for row in rows:
        assert {"id", "source", "first", "last", "description", "freshness"} <= set(row)
    by_id = {r["id"]: r for r in rows}
    assert by_id["SP500"]["first"] == "1985-01-02"
    assert by_id["NETLIQ"]["source"] == "derived"


def test_data_list_table_and_category_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "list", "--category", "liquidity")
    assert code == 0 and "WALCL" in out and "SP500" not in out
    code, _, err = run(capsys, "data", "list", "--category", "nonsense")
    assert code == 2 and "nonsense" in err


def test_data_list_shows_series_without_observations(capsys: pytest.CaptureFixture[str]) -> None:
    """Live-only series (no rows in the snapshot) list as missing, in the table and in JSON.

    This once raised under one pandas major version and not the other (NaT and
    empty-frame formatting differ), so .ci/run runs it under pandas 2 as well.
    """
    code, out, err = run(capsys, "data", "list", "--category", "rates")
    assert code == 0 and "Traceback" not in err
    row = next(line for line in out.splitlines() if "DFEDTARU" in line)
    assert "missing" in row and row.count(" - ") >= 2
    code, out, _ = run(capsys, "data", "list", "--category", "rates", "--format", "json")
    by_id = {r["id"]: r for r in json.loads(out)}
    assert by_id["DFEDTARU"]["first"] is None and by_id["DFEDTARU"]["rows"] is None
    assert by_id["DFEDTARU"]["freshness"] == "missing"


def test_data_show_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "show", "DGS3MO", "--start", "2023-10-31",
                       "--end", "2023-10-31", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["id"] == "DGS3MO" and payload["units"] == "percent"
    # 4.88 - (-0.71), FRED 2023-10-31.
    assert payload["observations"] == [{"date": "2023-10-31", "DGS3MO": pytest.approx(5.59)}]
    code, out, _ = run(capsys, "data", "show", "SP500", "--start", "2024-12-30",
                       "--end", "2024-12-31", "--format", "csv")
    assert code == 0 and out.splitlines()[0] == "date,SP500" and len(out.splitlines()) == 3


def test_data_show_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "show", "VIX", "--end", "2020-03-16", "--tail", "1")
    assert code == 0 and "2020-03-16" in out and "82.69" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("data", "show", "NOPE"), "unknown series id 'NOPE'"),
        (("data", "show", "SP500", "--asof", "2020-02-30"), "asof: invalid date"),
        (("data", "show", "SP500", "--start", "yesterday"), "start: invalid date"),
        (("data", "show", "SP500", "--asof", "1900-01-01"), "no observations published by"),
        (("data", "show", "DFEDTARU"), "flowdesk data update DFEDTARU"),
        (("data", "export", "SP500", "--to", "x.xlsx"), ".csv or .parquet"),
        (("data", "update", "PCR_TOTAL"), "snapshot-only"),
        (("--offline", "data", "update", "DGS10"), "offline"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
    assert err.strip().startswith("error:")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("", "file is empty"),
        ("date,value\n", "header but no data rows"),
        ("date,value\n2024-01-02,1\n2024-01-02,2\n", "duplicate date"),
        ("date,value\n2024-01-03,1\n2024-01-02,2\n", "not in ascending order"),
        ("date,value\n2024-01-02,abc\n", "non-numeric value 'abc'"),
        ("date,value\n2024-01-02,1\n01/03/2024,2\n", "mixed date formats"),
        ("date,value\n2024-01-02,-3\n", "non-positive value -3"),
    ],
)
def test_import_of_malformed_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, fragment: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_text(body, encoding="utf-8")
    code, _, err = run(capsys, "data", "import", "SP500", str(path))
    assert code == 2 and fragment in err and str(path) in err


def test_import_missing_file_and_traversal_id(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    code, _, err = run(capsys, "data", "import", "X", str(tmp_path / "none.csv"))
    assert code == 2 and "does not exist" in err
    ok = tmp_path / "ok.csv"
    ok.write_text("date,value\n2024-01-02,1\n", encoding="utf-8")
    code, _, err = run(capsys, "data", "import", "../../x", str(ok))
    assert code == 2 and "invalid series id" in err


def test_import_then_show_and_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("date,value\n2024-01-02,1.25\n2024-01-03,.\n2024-01-04,2\n", encoding="utf-8")
    code, out, _ = run(capsys, "data", "import", "MINE", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "id": "MINE", "rows": 2, "first": "2024-01-02", "last": "2024-01-04", "added": 2,
        "revised": 0, "kept": 0, "removed": 0, "replaced": None,
        "dropped": {"rows": 1, "reasons": {"missing-value marker '.'": 1}, "ignored_columns": []},
    }
    target = tmp_path / "mine.parquet"
    code, _, _ = run(capsys, "data", "export", "MINE", "--to", str(target))
    assert code == 0 and target.exists()


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "data", "show")
    assert code == 2
    code, _, _ = run(capsys, "no-such-command")
    assert code == 2


def test_report_writes_html_and_prints_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    code, stdout, _ = run(capsys, "report", "--offline", "--asof", "2020-03-23", "--out", str(out))
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert html.count("<script type=\"application/json\"") >= 4 and "2020-03-23" in html
    assert "S&P 500" in stdout and str(out.name) in stdout.replace("\n", "")


def test_report_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, stdout, _ = run(capsys, "report", "--asof", "2024-12-31", "--out", str(tmp_path),
                          "--format", "json")
    payload = json.loads(stdout)
    assert code == 0 and payload["asof"] == "2024-12-31"
    overview = payload["sections"][0]
    assert overview["status"] == "ok"
    labels = {k["label"]: k for k in overview["key_numbers"]}
    sp = next(v for k, v in labels.items() if k.startswith("S&P 500"))
    # Yahoo's S&P 500 close on 2024-12-31 (spot-checked in the data manifest).
    assert sp["value"] == pytest.approx(5881.63, abs=0.01)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (("report", "--asof", "2031-01-01"), "--asof 2031-01-01 is outside the data"),
        (("report", "--asof", "1960-01-01"), "outside the data"),
        (("report", "--asof", "01/02/2020"), "--asof: invalid date"),
        (("report", "--out", "/nonexistent-dir/x.html"), "does not exist"),
        (("report", "--offline", "--refresh"), "--refresh needs the network"),
    ],
)
def test_report_bad_input(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], fragment: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_failed_update_prints_a_warning_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import flowdesk.data.sources as sources
    from flowdesk.errors import SourceError

    class Down:
        name = "fred"

        def fetch(self, spec: object) -> None:
            raise SourceError("fred DGS10: could not connect (connection refused)")

    monkeypatch.setattr(sources, "source_for", lambda spec, settings=None: Down())
    code, out, err = run(capsys, "data", "update", "DGS10")
    assert code == 1
    assert "warning:" in err and "keeping the cached/snapshot data" in err
    assert "failed" in out


def test_fed_reproduces_cme_example_from_a_futures_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    curve = tmp_path / "ff.csv"
    curve.write_text("month,price\n2015-08,99.8675\n2015-09,99.805\n", encoding="utf-8")
    code, out, _ = run(capsys, "fed", "--asof", "2015-08-25", "--futures", str(curve),
                       "--target-low", "0", "--target-high", "0.25", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["source"] == "futures"
    first = payload["meetings"][0]
    # CME's worked example: P(hike) = (0.26643 - 0.1325) / 0.25 = 53.6%.
    assert first["date"] == "2015-09-17"
    assert first["p_hike"] == pytest.approx(0.536, abs=5e-4)
    assert {"p_cut", "p_hold", "expected_rate", "distribution"} <= set(first)


def test_fed_without_futures_is_a_labelled_proxy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "fed", "--asof", "2024-09-10", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["source"] == "curve_proxy"
    assert payload["note"].startswith("proxy:")
    code, out, _ = run(capsys, "fed", "--asof", "2024-09-10")
    assert "not FedWatch" in out


@pytest.mark.parametrize(
    ("body", "extra", "fragment"),
    [
        ("month,price\n2015-08,99.8675\n2015-08,99.805\n", (), "duplicate"),
        ("month,price\n2015-08,120\n2015-09,99.805\n", (), "price"),
        ("month,price\n", (), "no data rows"),
        ("month,price\n2015-08,99.8675\n2015-09,99.805\n", ("--target-low", "0"),
         "--target-low and --target-high"),
    ],
)
def test_fed_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str,
                       extra: tuple[str, ...], fragment: str) -> None:
    curve = tmp_path / "ff.csv"
    curve.write_text(body, encoding="utf-8")
    code, _, err = run(capsys, "fed", "--asof", "2015-08-25", "--futures", str(curve), *extra)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_vix_json_keys_and_a_known_panic_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vix", "--asof", "2020-03-16", "--format", "json")
    payload = json.loads(out)
    assert code == 0
    assert {"regime", "vix", "vix3m", "vix9d", "ratio_vix_vix3m", "forward_returns"} <= set(payload)
    # Cboe's VIX close on 2020-03-16 was 82.69, its highest ever.
    assert payload["vix"] == pytest.approx(82.69) and payload["regime"] == "panic_inversion"
    cell = payload["forward_returns"]["all_inversions"]["21"]
    assert {"mean", "ci_low", "ci_high", "n"} <= set(cell)
    assert cell["ci_low"] <= cell["mean"] <= cell["ci_high"]


def test_vix_table_and_bad_asof(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vix", "--asof", "2017-11-03")
    assert code == 0 and "calm_contango" in out
    code, _, err = run(capsys, "vix", "--asof", "2017-13-03")
    assert code == 2 and "invalid date" in err
    for command in ("vix", "fed"):
        code, _, err = run(capsys, command, "--asof", "2031-01-01")
        assert code == 2 and "--asof 2031-01-01 is outside the data" in err


def test_drivers_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "drivers", "--asof", "2024-12-31", "--format", "json")
    payload = json.loads(out)
    assert code == 0
    shares = payload["rolling_latest"]
    assert set(shares) == {"flows", "policy", "data", "volatility", "other"}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert payload["sample"]["end"] <= "2024-12-31"


def test_theses_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "theses", "--asof", "2024-06-28", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["asof"] == "2024-06-28"
    assert len(payload["theses"]) == 7
    verdicts = {"supported", "mixed", "not_supported", "insufficient_data"}
    for thesis in payload["theses"]:
        assert {"id", "title", "verdict", "reasons", "indicators"} <= set(thesis)
        assert thesis["verdict"] in verdicts
        for ind in thesis["indicators"]:
            assert {"id", "value", "unit", "asof", "percentile", "stale"} <= set(ind)


def test_flows_json_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "flows", "--asof", "2024-12-31", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["asof"] == "2024-12-31"
    assert {"vol_control", "cta", "buybacks", "stops"} <= set(payload)
    # The S&P 500 closed 2024 at 5,881.63 (S&P Dow Jones Indices).
    assert payload["spot"] == pytest.approx(5881.63)
    code, out, _ = run(capsys, "flows", "--asof", "2024-12-31", "--asset", "SP500")
    assert code == 0 and "Vol-control" in out and "CTA SP500" in out
    assert "CTA NDX" not in out


def test_flows_bad_asset_and_asof(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "flows", "--asset", "NOPE")
    assert code == 2 and "NOPE" in err and "Traceback" not in err
    code, _, err = run(capsys, "flows", "--asof", "1950-01-03")
    assert code == 2 and "outside the data" in err


def test_simulate_small_run_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ("simulate", "--paths", "16", "--years", "1", "--seed", "3", "--format", "json")
    code, out, _ = run(capsys, *argv)
    payload = json.loads(out)
    assert code == 0 and payload["paths"] == 16
    for cls, cell in payload["amplification"].items():
        assert {"vol_ratio", "drawdown_ratio"} <= set(cell), cls
    assert {"model", "data", "null"} <= set(payload["moments"])
    # Same seed, same numbers.
    assert json.loads(run(capsys, *argv)[1])["amplification"] == payload["amplification"]


def test_simulate_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "simulate", "--paths", "1")
    assert code == 2 and "paths" in err
    code, _, err = run(capsys, "simulate", "--paths", "4", "--years", "1", "--without", "aliens")
    assert code == 2 and "aliens" in err
    code, _, err = run(capsys, "simulate", "sweep", "--grid", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\ncta = ['x']\n")
    code, _, err = run(capsys, "simulate", "sweep", "--grid", str(bad))
    assert code == 2 and "cta" in err and "Traceback" not in err
    bad.write_text("[grid]\ncta = [1.0]\n")
    code, _, err = run(capsys, "simulate", "sweep", "--grid", str(bad), "--workers", "0")
    assert code == 2 and "workers" in err


def test_serve_rejects_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "serve", "--port", "70000")
    assert code == 2 and "port" in err
