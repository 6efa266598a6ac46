"""Hostile input to the command line: every case is one line on stderr and exit code 2.

Issue 15. Each row is a command with input built to break it: dates outside the
nanosecond range, unwritable or special output paths, binary grid and config
files, CSV fields over the csv size limit, simulations too large for the
machine, rich markup in names and data, and impossible Fed target ranges. The
test id of each row carries its number and the total, so the size of the table
is visible in every run. Every failure must be found before heavy work (no
report is built, nothing is simulated).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flowdesk.cli import main
from flowdesk.config import clear_settings_cache

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
OK_CSV = b"date,value\n2024-01-02,1\n2024-01-03,2\n"
RANGE = "1677-09-22 to 2262-04-11"


@dataclass(frozen=True)
class Case:
    """One hostile command; ``{tmp}`` in argv, fragment and env is the test's tmp_path."""

    name: str
    argv: tuple[str, ...]
    fragment: str
    files: dict[str, bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    prep: Callable[[Path], None] | None = None


# ------------------------------------------------------------------ preparations
def _fifo(name: str) -> Callable[[Path], None]:
    def prep(tmp: Path) -> None:
        os.mkfifo(tmp / name)

    return prep


def _symlink(name: str, target: str) -> Callable[[Path], None]:
    def prep(tmp: Path) -> None:
        (tmp / name).symlink_to(target.replace("{tmp}", str(tmp)))

    return prep


def _device(name: str) -> Callable[[Path], None]:
    """A character device (a copy of /dev/null's numbers) inside tmp: safe to refuse."""

    def prep(tmp: Path) -> None:
        if not ROOT_USER:
            pytest.skip("creating a device node needs root")
        os.mknod(tmp / name, stat.S_IFCHR | 0o666, os.makedev(1, 3))

    return prep


def _directory(name: str) -> Callable[[Path], None]:
    def prep(tmp: Path) -> None:
        (tmp / name).mkdir(parents=True)

    return prep


def _read_only_dir(tmp: Path) -> None:
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)


#: A directory nobody may write in: root ignores permission bits, so root gets /sys.
UNWRITABLE = "/sys" if ROOT_USER else "{tmp}/ro"
UNWRITABLE_PREP = None if ROOT_USER else _read_only_dir


# ------------------------------------------------------------------ the table
def _date_cases() -> list[Case]:
    bad = ("1500-01-01", "1677-09-21", "2262-04-12", "2300-01-01", "0001-01-01", "9999-12-31")
    cases = []
    for day in bad:
        for cmd, extra in (("show", ()), ("export", ("--to", "{tmp}/out.csv"))):
            for option in ("--start", "--end"):
                cases.append(Case(f"dates-{cmd}{option}-{day}",
                                  ("data", cmd, "SP500", option, day, *extra),
                                  f"{option}: date {day} is outside the supported range {RANGE}"))
        # An as-of date is checked against the data, whatever pandas can hold.
        cases.append(Case(f"dates-vix-asof-{day}", ("vix", "--asof", day),
                          "is outside the data: SP500 runs 1985-01-02 to"))
        cases.append(Case(f"dates-import-last-row-{day}", ("data", "import", "MINE", "{tmp}/d.csv"),
                          f"{{tmp}}/d.csv: line 3: date '{day}' is outside the supported range",
                          files={"d.csv": f"date,value\n2000-01-03,1\n{day},2\n".encode()}))
        cases.append(Case(f"dates-import-first-row-{day}",
                          ("data", "import", "MINE", "{tmp}/d.csv"),
                          f"{{tmp}}/d.csv: line 2: date '{day}' is outside the supported range",
                          files={"d.csv": f"date,value\n{day},1\n".encode()}))
    for cmd in ("fed", "flows", "report", "drivers"):
        cases.append(Case(f"dates-{cmd}-asof-3000", (cmd, "--asof", "3000-01-01"),
                          "--asof 3000-01-01 is outside the data"))
    cases.append(Case("dates-import-iso-time-past-2262",
                      ("data", "import", "MINE", "{tmp}/d.csv"),
                      "line 2: date '2262-04-11T23:00:00-05:00' is outside",
                      files={"d.csv": b"date,value\n2262-04-11T23:00:00-05:00,1\n"}))
    return cases


def _path_cases() -> list[Case]:
    cases = []
    for suffix in ("csv", "parquet"):
        export = ("data", "export", "SP500", "--to")
        cases += [
            Case(f"paths-export-{suffix}-missing-dir", (*export, f"{{tmp}}/none/x.{suffix}"),
                 f"--to {{tmp}}/none/x.{suffix}: directory {{tmp}}/none does not exist"),
            Case(f"paths-export-{suffix}-under-a-file", (*export, f"{{tmp}}/plain/x.{suffix}"),
                 f"--to {{tmp}}/plain/x.{suffix}: Not a directory", files={"plain": b"x"}),
            Case(f"paths-export-{suffix}-read-only-dir", (*export, f"{UNWRITABLE}/x.{suffix}"),
                 f"--to {UNWRITABLE}/x.{suffix}: cannot write in directory", prep=UNWRITABLE_PREP),
            Case(f"paths-export-{suffix}-fifo", (*export, f"{{tmp}}/pipe.{suffix}"),
                 "is a FIFO; refusing to replace it", prep=_fifo(f"pipe.{suffix}")),
            Case(f"paths-export-{suffix}-device", (*export, f"{{tmp}}/dev.{suffix}"),
                 "is a character device; refusing", prep=_device(f"dev.{suffix}")),
            Case(f"paths-export-{suffix}-symlink-to-file", (*export, f"{{tmp}}/link.{suffix}"),
                 "is a symbolic link; refusing", files={"target": b"keep"},
                 prep=_symlink(f"link.{suffix}", "{tmp}/target")),
            Case(f"paths-export-{suffix}-symlink-to-dev-null", (*export, f"{{tmp}}/null.{suffix}"),
                 "is a symbolic link; refusing", prep=_symlink(f"null.{suffix}", "/dev/null")),
            Case(f"paths-export-{suffix}-dangling-symlink", (*export, f"{{tmp}}/gone.{suffix}"),
                 "is a symbolic link; refusing", prep=_symlink(f"gone.{suffix}", "{tmp}/nowhere")),
            Case(f"paths-export-{suffix}-is-a-directory", (*export, f"{{tmp}}/d.{suffix}"),
                 "is a directory", prep=_directory(f"d.{suffix}")),
        ]
    report = ("report", "--asof", "2020-03-23", "-o")
    cases += [
        Case("paths-report-missing-dir", (*report, "{tmp}/none/r.html"),
             "--out {tmp}/none/r.html: directory {tmp}/none does not exist"),
        Case("paths-report-under-a-file", (*report, "{tmp}/plain/r.html"),
             "--out {tmp}/plain/r.html: Not a directory", files={"plain": b"x"}),
        Case("paths-report-read-only-dir", (*report, f"{UNWRITABLE}/r.html"),
             f"--out {UNWRITABLE}/r.html: cannot write in directory", prep=UNWRITABLE_PREP),
        Case("paths-report-fifo", (*report, "{tmp}/pipe.html"), "is a FIFO; refusing",
             prep=_fifo("pipe.html")),
        Case("paths-report-device", (*report, "{tmp}/dev.html"), "is a character device",
             prep=_device("dev.html")),
        Case("paths-report-symlink-to-dev-null", (*report, "{tmp}/null.html"),
             "is a symbolic link; refusing", prep=_symlink("null.html", "/dev/null")),
        Case("paths-report-symlink-to-file", (*report, "{tmp}/link.html"),
             "is a symbolic link; refusing", files={"target": b"keep"},
             prep=_symlink("link.html", "{tmp}/target")),
        Case("paths-report-dangling-symlink", (*report, "{tmp}/gone.html"),
             "is a symbolic link; refusing", prep=_symlink("gone.html", "{tmp}/nowhere")),
    ]
    for label, cache in (("under-a-file", "{tmp}/plain/cache"), ("dev-null", "/dev/null/cache"),
                         ("in-proc", "/proc/flowdesk-cache")):
        cases.append(Case(f"paths-cache-dir-{label}", ("data", "import", "MINE", "{tmp}/ok.csv"),
                          f"cache directory (FLOWDESK_CACHE_DIR) {cache}: cannot be created",
                          files={"ok.csv": OK_CSV, "plain": b"x"},
                          env={"FLOWDESK_CACHE_DIR": cache}))
    return cases


#: Bytes that are not UTF-8 text, each a way such a file turns up.
BINARY = {
    "invalid-start-byte": b"\xff\xfe\x00",
    "latin-1": b'cache_dir = "caf\xe9"\n',
    "png-header": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "utf-16": "[grid]\ncta = [1.0]\n".encode("utf-16"),
    "truncated-utf-8": b"[grid]\n# \xe2\x82\n",
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
    "lone-continuation": b"a = 1\n\x80\n",
}


def _encoding_cases() -> list[Case]:
    cases = []
    for label, body in BINARY.items():
        cases.append(Case(f"encoding-grid-{label}",
                          ("simulate", "sweep", "--grid", "{tmp}/grid.toml"),
                          "sweep grid {tmp}/grid.toml: is not UTF-8 text",
                          files={"grid.toml": body}))
        cases.append(Case(f"encoding-config-{label}", ("data", "show", "SP500", "--tail", "1"),
                          "config file {tmp}/config.toml: is not UTF-8 text",
                          files={"config.toml": body},
                          env={"FLOWDESK_CONFIG": "{tmp}/config.toml"}))
    cases += [
        Case("encoding-grid-is-a-directory", ("simulate", "sweep", "--grid", "{tmp}/g"),
             "sweep grid {tmp}/g: Is a directory", prep=_directory("g")),
        Case("encoding-config-is-a-directory", ("data", "show", "SP500"),
             "config file {tmp}/c (from FLOWDESK_CONFIG): is not a regular file",
             env={"FLOWDESK_CONFIG": "{tmp}/c"}, prep=_directory("c")),
        Case("encoding-import-binary-csv", ("data", "import", "MINE", "{tmp}/b.csv"),
             "file {tmp}/b.csv: is not UTF-8 text", files={"b.csv": b"\xff\xd8\xff\xe0JFIF"}),
    ]
    return cases


def _field_cases() -> list[Case]:
    big = "1" * 200_000
    bodies = {
        "value-line-2": f"date,value\n2024-01-02,{big}\n",
        "value-line-4": f"date,value\n2024-01-02,1\n2024-01-03,2\n2024-01-04,{big}\n",
        "date-column": f"date,value\n{big},1\n",
        "extra-column": f"date,value,note\n2024-01-02,1,{big}\n",
        "header": f"date,{big}\n2024-01-02,1\n",
        "quoted-multiline": 'date,value\n2024-01-02,"' + "x\n" * 70_000 + '"\n',
    }
    lines = {"value-line-2": 2, "value-line-4": 4, "date-column": 2, "extra-column": 2,
             "header": 1, "quoted-multiline": 2}
    return [Case(f"csv-field-limit-{label}", ("data", "import", "MINE", "{tmp}/f.csv"),
                 f"{{tmp}}/f.csv: line {lines[label]}: malformed CSV (field larger than",
                 files={"f.csv": body.encode()})
            for label, body in bodies.items()]


def _sim_cases() -> list[Case]:
    memory = "of memory, above the limit"
    time = "path-days (sim_max_path_days)"
    cases = [
        Case("sim-years-1e9", ("simulate", "--years", "1e9"), "--years 1e+09: needs an estimated"),
        Case("sim-years-1e308", ("simulate", "--years", "1e308"),
             "--years 1e+308: needs more memory than any machine has"),
        Case("sim-years-1e6", ("simulate", "--years", "1e6"), memory),
        Case("sim-paths-1e12", ("simulate", "--paths", "1000000000000"),
             "--paths 1000000000000 x --years 20"),
        Case("sim-paths-1e15", ("simulate", "--paths", "1000000000000000"), memory),
        Case("sim-paths-1e7-too-long", ("simulate", "--paths", "10000000"), time),
        Case("sim-paths-and-years", ("simulate", "--paths", "100000", "--years", "5000"), memory),
        Case("sim-years-inf", ("simulate", "--years", "inf"), "--years: must be a positive number"),
        Case("sim-years-nan", ("simulate", "--years", "nan"), "--years: must be a positive number"),
        Case("sim-years-negative", ("simulate", "--years", "-5"), "--years: must be a positive"),
        Case("sim-paths-one", ("simulate", "--paths", "1"), "--paths: need at least 2"),
        Case("sim-memory-setting", ("simulate", "--paths", "64", "--years", "5"),
             "(sim_max_memory_gb)", env={"FLOWDESK_SIM_MAX_MEMORY_GB": "0.0001"}),
        Case("sim-path-days-setting", ("simulate", "--paths", "64", "--years", "5"),
             "above the limit of 1e+03 path-days (sim_max_path_days)",
             env={"FLOWDESK_SIM_MAX_PATH_DAYS": "1000"}),
        Case("sim-memory-setting-invalid", ("simulate", "--paths", "4", "--years", "1"),
             "setting 'sim_max_memory_gb'", env={"FLOWDESK_SIM_MAX_MEMORY_GB": "-1"}),
    ]
    grids = {
        "years-1e9": "[simulation]\nyears = 1e9\n[grid]\ncta = [1.0]\n",
        "paths-1e9": "[simulation]\npaths = 1000000000\n[grid]\ncta = [1.0]\n",
        "many-points": "[simulation]\npaths = 1000000\nyears = 20\n[grid]\n"
                       "cta = [1.0, 2.0, 3.0, 4.0]\nvolcontrol_aum_bn = [1.0, 2.0, 3.0, 4.0]\n",
    }
    cases += [Case(f"sim-sweep-{label}", ("simulate", "sweep", "--grid", "{tmp}/g.toml"),
                   "sweep paths", files={"g.toml": body.encode()})
              for label, body in grids.items()]
    return cases


def _markup_cases() -> list[Case]:
    cases = [Case(f"markup-series-id-{label}", ("data", "show", text),
                  f"unknown series id {text!r}")
             for label, text in (("closing-bold", "[/bold]"), ("red", "[red]X[/red]"),
                                 ("bare-close", "[/]"), ("link", "[link=http://x]y"),
                                 ("escaped", "\\[bold]"))]
    nested = "{tmp}/file[red]x[/red].csv"
    cases += [
        Case("markup-import-missing-file", ("data", "import", "MINE", nested),
             f"file {nested}: does not exist"),
        Case("markup-import-bad-value", ("data", "import", "MINE", nested),
             f"{nested}: line 2: non-numeric value '[red]abc'",
             files={"file[red]x[/red].csv": b"date,value\n2024-01-02,[red]abc\n"}),
        Case("markup-import-missing-column", ("data", "import", "MINE", "{tmp}/c.csv",
                                               "--column", "[bold]v"),
             "no column '[bold]v' (columns: date, [b]value[/b])",
             files={"c.csv": b"date,[b]value[/b]\n2024-01-02,1\n"}),
        Case("markup-grid-missing", ("simulate", "sweep", "--grid", "{tmp}/[bold]g.toml"),
             "sweep grid {tmp}/[bold]g.toml"),
        Case("markup-grid-empty-table", ("simulate", "sweep", "--grid", "{tmp}/g.toml"),
             "sweep: the [grid] table is empty", files={"g.toml": b"[grid]\n"}),
        Case("markup-export-dir", ("data", "export", "SP500", "--to", "{tmp}/[red]d/x.csv"),
             "--to {tmp}/[red]d/x.csv: directory {tmp}/[red]d does not exist"),
        Case("markup-report-dir", ("report", "--asof", "2020-03-23", "-o", "{tmp}/[b]/r.html"),
             "--out {tmp}/[b]/r.html: directory {tmp}/[b] does not exist"),
        Case("markup-without-class", ("simulate", "--paths", "4", "--years", "1",
                                      "--without", "[red]x"), "[red]x"),
        Case("markup-category", ("data", "list", "--category", "[/bold]"),
             "--category '[/bold]'"),
        Case("markup-flows-asset", ("flows", "--asof", "2024-12-31", "--asset", "[/i]"), "[/i]"),
    ]
    return cases


def _fed_cases() -> list[Case]:
    rows = {
        "low-minus-100": ("-100", "-99.75", "range (-100, -99.75) is outside 0 to 25 percent"),
        "low-above-high": ("5", "4.75", "low 5 must be below high 4.75"),
        "equal": ("4.5", "4.5", "low 4.5 must be below high 4.5"),
        "huge": ("1e308", "1e308", "range (1e+308, 1e+308) is outside 0 to 25 percent"),
        "nan": ("nan", "0.25", "bounds must be finite"),
        "inf": ("inf", "inf", "bounds must be finite"),
        "percent-as-bp": ("425", "450", "range (425, 450) is outside 0 to 25 percent"),
        "negative-high": ("0", "-0.25", "low 0 must be below high -0.25"),
        "too-wide": ("0", "5", "range 0.00-5.00 is 500.0 bp wide"),
    }
    cases = [Case(f"fed-{label}", ("fed", "--asof", "2024-09-10", "--target-low", low,
                                   "--target-high", high), f"--target-low/--target-high: {text}")
             for label, (low, high, text) in rows.items()]
    cases.append(Case("fed-low-alone", ("fed", "--target-low", "-100"),
                      "--target-low and --target-high must be given together"))
    return cases


def _usage_cases() -> list[Case]:
    """The parser's own errors (typer/click): one line too, naming the option."""
    rows = [
        ("unknown-option", ("flows", "--bogus"), "No such option: --bogus"),
        ("unknown-command", ("no-such-command",), "No such command 'no-such-command'"),
        ("unknown-data-command", ("data", "frobnicate"), "No such command 'frobnicate'"),
        ("missing-option-value", ("fed", "--asof"), "'--asof' requires an argument"),
        ("missing-argument", ("data", "show"), "Missing argument"),
        ("int-not-a-number", ("simulate", "--paths", "abc"), "'--paths'"),
        ("sweep-unknown-option", ("simulate", "sweep", "--grid", "g.toml", "--bogus"),
         "No such option: --bogus"),
        ("bad-choice", ("flows", "--format", "xml"), "'--format'"),
        ("extra-argument", ("overview", "surplus"), "unexpected extra argument"),
        # Refused before any section is built (the language is checked first).
        ("unknown-language", ("report", "--lang", "xx"),
         "--lang: unknown language 'xx'; choose en, ko"),
    ]
    return [Case(f"usage-{name}", argv, fragment) for name, argv, fragment in rows]


CASES = [*_date_cases(), *_path_cases(), *_encoding_cases(), *_field_cases(), *_sim_cases(),
         *_markup_cases(), *_fed_cases(), *_usage_cases()]
IDS = [f"{i:03d}of{len(CASES)}-{case.name}" for i, case in enumerate(CASES, 1)]


def _fill(text: str, tmp: Path) -> str:
    return text.replace("{tmp}", str(tmp))


def test_the_table_is_large_and_its_names_unique() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostile_input_is_one_line_and_exit_2(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, body in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    if case.prep is not None:
        case.prep(tmp_path)
    for key, value in case.env.items():
        monkeypatch.setenv(key, _fill(value, tmp_path))
    monkeypatch.delenv("FLOWDESK_DEBUG", raising=False)
    clear_settings_cache()
    before = {p: p.lstat() for p in tmp_path.iterdir()}
    code = main([_fill(a, tmp_path) for a in case.argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert _fill(case.fragment, tmp_path) in err
    # A refused write leaves what was there as it was (no FIFO or link replaced).
    for path, info in before.items():
        assert stat.S_IFMT(path.lstat().st_mode) == stat.S_IFMT(info.st_mode), path


def test_force_writes_into_a_fifo_without_replacing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    code = main(["data", "export", "SP500", "--to", str(pipe), "--start", "2024-12-30",
                 "--force"])
    reader.join(timeout=30)
    assert code == 0, capsys.readouterr().err
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    lines = received[0].decode().splitlines()
    assert lines[0] == "date,SP500" and lines[1].startswith("2024-12-30,")


def test_force_through_a_symlink_replaces_the_target_and_keeps_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "target.csv"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    code = main(["data", "export", "SP500", "--to", str(link), "--start", "2024-12-30",
                 "--force"])
    assert code == 0, capsys.readouterr().err
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("date,SP500")


def test_unknown_settings_warn_with_the_closest_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("cta_aum_bse_bn = 250\n", encoding="utf-8")
    monkeypatch.setenv("FLOWDESK_CONFIG", str(config))
    monkeypatch.setenv("FLOWDESK_TAPE_KK", "2")
    clear_settings_cache()
    code = main(["data", "show", "SP500", "--tail", "1"])
    err = capsys.readouterr().err
    assert code == 0
    assert "unknown setting 'cta_aum_bse_bn' is ignored; did you mean cta_aum_base_bn?" in err
    assert "unknown setting 'FLOWDESK_TAPE_KK' is ignored; did you mean FLOWDESK_TAPE_K?" in err
    assert err.count("FLOWDESK_TAPE_KK") == 1


def test_markup_in_data_is_printed_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "m.csv"
    csv.write_text("date,value\n2024-01-02,1\n", encoding="utf-8")
    assert main(["data", "import", "MINE", str(csv), "--units", "[bn]",
                 "--description", "a [red]b[/red] c"]) == 0
    capsys.readouterr()
    assert main(["data", "show", "MINE"]) == 0
    out = capsys.readouterr().out
    assert "[bn]" in out and "[red]b[/red]" in out
