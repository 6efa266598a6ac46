"""``flowdesk fed --futures F``: every bad futures file is one line naming the file, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowdesk.cli import app

# 2015-08-25: the next FOMC meetings are 2015-09-17, 2015-10-28 and 2015-12-16.
ASOF = ("--asof", "2015-08-25", "--target-low", "0", "--target-high", "0.25")


def _fed(tmp_path: Path, body: str) -> tuple[int, str, str, str]:
    path = tmp_path / "zq_curve.csv"
    path.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(app, ["fed", "--futures", str(path), *ASOF])
    return result.exit_code, result.stdout, result.stderr, str(path)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        # A gap in the middle: the chain needs every month from first to last.
        ("month,price\n2015-08,99.8675\n2015-10,99.74\n2015-11,99.70\n",
         "month(s) 2015-09 missing between 2015-08 and 2015-11"),
        ("month,price\n2015-08,99.8675\n2015-09,89.5\n", "line 3: price 89.5 for 2015-09 outside"),
        ("month,price\n2015-08,100.25\n2015-09,99.805\n",
         "line 2: price 100.25 for 2015-08 outside"),
        ("month,price\n2015-08,99.8675\n2015-09,99.805\n2015-08,99.87\n",
         "line 4: month 2015-08 duplicated"),
        # Starts after the next meeting: 2015-09-17 cannot be priced.
        ("month,price\n2015-10,99.74\n2015-11,99.70\n", "2015-09-17 comes earlier"),
        # Ends before the next meeting.
        ("month,price\n2015-07,99.87\n2015-08,99.8675\n", "covers no FOMC meeting"),
    ],
)
def test_bad_futures_file_is_one_line_naming_the_file(
    tmp_path: Path, body: str, fragment: str
) -> None:
    code, out, err, path = _fed(tmp_path, body)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (out, err)
    assert len(lines) == 1, err
    assert path in lines[0] and fragment in lines[0], lines[0]
    assert "Traceback" not in err


def test_good_futures_file_still_prices(tmp_path: Path) -> None:
    code, out, err, _ = _fed(tmp_path, "month,price\n2015-08,99.8675\n2015-09,99.805\n")
    assert code == 0, err
    assert "FedWatch" in out
