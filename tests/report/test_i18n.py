"""Korean pages: the catalog is complete, placeholders survive, and no English is left."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_desk_summary import ASOF, FED, FLOWS, VIX, Stub

from flowdesk.errors import ConfigError
from flowdesk.i18n import check_language, locale_dir, translations
from flowdesk.report.html import render_html
from flowdesk.report.sections import ReportContext, Section

POT = locale_dir() / "flowdesk.pot"
KO_PO = locale_dir() / "ko" / "LC_MESSAGES" / "flowdesk.po"
#: English that may stay on a Korean page: ids, units, tickers and proper names.
ALLOWED = {"usd", "bn", "yr", "vix", "vix3m", "cta", "fomc", "flowdesk", "sp", "ndx",
           "dff", "dgs3mo", "json", "api", "cme", "fedwatch", "provenance", "md", "aum",
           "1w", "1m", "1y", "english", "fred", "vvix", "skew"}


def _catalog(path: Path) -> object:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_is_translated_with_the_same_placeholders() -> None:
    template, korean = _catalog(POT), _catalog(KO_PO)
    ids = {m.id for m in template if m.id}
    assert len(ids) > 80
    untranslated = sorted(i for i in ids if not (korean.get(i) and korean.get(i).string))
    assert untranslated == [], "run scripts/update_translations.py and translate these"
    fuzzy = sorted(m.id for m in korean if m.id and m.fuzzy)
    assert fuzzy == []
    field = re.compile(r"%\(\w+\)s|%%")
    for message in korean:
        if message.id:
            assert sorted(field.findall(message.id)) == sorted(field.findall(message.string)), (
                message.id)


def test_the_pot_is_current_with_the_code(tmp_path: Path) -> None:
    """Extraction now finds exactly the messages the template lists (no stale .pot)."""
    from babel.messages.frontend import CommandLineInterface

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "now.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(root / "babel.cfg"),
                                "-k", "N_", "--no-location", "-o", str(out), str(root)])
    assert {m.id for m in _catalog(out) if m.id} == {m.id for m in _catalog(POT) if m.id}


def test_language_codes() -> None:
    assert check_language(None) == "en" and check_language(" KO ") == "ko"
    with pytest.raises(ConfigError, match=r"--lang: unknown language 'xx'; choose en, ko"):
        check_language("xx")
    assert translations("ko").gettext("Desk summary") == "데스크 요약"
    assert translations("en").gettext("Desk summary") == "Desk summary"


_VOID = {"meta", "link", "br", "img", "input", "hr", "col", "source", "wbr"}


class _Text(HTMLParser):
    """Visible text of a page, without script/style/code bodies or elements marked English.

    An element with ``lang="en"`` (the data attribution and the provenance
    document, quoted as published) says of itself that it is English; it is
    listed by :func:`english_blocks` instead of being searched.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.english: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        # The page's own language (on <html>) is what is being checked, not an exception.
        marked = tag != "html" and dict(attrs).get("lang") == "en"
        if marked:
            self.english.append(tag)
        self._stack.append(marked or tag in ("script", "style", "code"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self._stack):
            self.parts.append(data)


def english_blocks(html: str) -> list[str]:
    """Tags of the elements a page marks as English (``lang="en"``)."""
    parser = _Text()
    parser.feed(html)
    return parser.english


def english_words(html: str) -> list[str]:
    """Latin-letter words of three or more letters on a page, minus the allowed ones."""
    parser = _Text()
    parser.feed(html)
    # At least three letters (S&P counts); ISO times like T04 are not words.
    words = re.findall(r"\b[A-Za-z][A-Za-z&]{2,}\w*", " ".join(parser.parts))
    return sorted({w for w in words if w.lower().replace("&", "") not in ALLOWED})


def _page(lang: str) -> str:
    results = {"flows": Stub(FLOWS, {"SP500": ASOF}), "vix": Stub(VIX, {"VIX": ASOF}),
               "fed": Stub(FED, {"DFF": ASOF})}
    sections = [Section(id=k, title={"flows": "Flows", "vix": "Volatility",
                                     "fed": "Policy"}[k], asof=ASOF, result=v)
                for k, v in results.items()]
    return render_html(sections, ReportContext(asof=pd.Timestamp(ASOF)), lang)


def test_the_korean_report_frame_and_desk_summary_have_no_english() -> None:
    korean, english = _page("ko"), _page("en")
    assert '<html lang="ko">' in korean and '<html lang="en">' in english
    assert "데스크 요약" in korean and "누가 거래해야 하나" in korean
    # The same page in English does have English words: the check can fail.
    assert len(english_words(english)) > 30
    assert english_words(korean) == []
    # Only the data attribution and the provenance document stay in English, marked so.
    assert english_blocks(korean) == ["span", "div"] == english_blocks(english)
