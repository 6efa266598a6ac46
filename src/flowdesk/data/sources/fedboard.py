"""Speeches of Federal Reserve Board members from the Board's own listing feed.

The speeches page (federalreserve.gov/newsevents/speeches.htm) is filled in by
the browser from one keyless JSON file, ``/json/ne-speeches.json``: an array,
newest first, of records ``{"d": "6/6/2026 12:00:00 PM", "t": title,
"s": "Governor Michael S. Barr", "lo": location, "l": "/newsevents/speech/
barr20260606a.htm"}``, served with a UTF-8 byte-order mark. Only Governors
speak on the Board's pages, so the scope is that of the shipped calendar
(Board members only, no regional Fed presidents).

Like :mod:`flowdesk.data.sources.sec` this source returns a table, not a
series, so it follows the three steps (query -> extract -> transform) without
being a :class:`~flowdesk.data.sources.base.LiveSource`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from flowdesk.data.sources.base import Query
from flowdesk.data.sources.http import HTTPClient, looks_like_html
from flowdesk.data.speeches import SPEECHES_ID, check_speeches_table
from flowdesk.errors import SourceError

__all__ = ["BOARD_URL", "SPEECHES_FEED_URL", "BoardSpeechesSource", "SpeechesFetch",
           "speaker_surname"]

BOARD_URL = "https://www.federalreserve.gov"
SPEECHES_FEED_URL = f"{BOARD_URL}/json/ne-speeches.json"
#: Name parts that are not the surname ("Governor ... Jr." -> the word before).
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_FEED_DATE = "%m/%d/%Y %I:%M:%S %p"


@dataclass(frozen=True)
class SpeechesFetch:
    """The speeches read from the feed and where they came from."""

    frame: pd.DataFrame
    url: str
    fetched_at: dt.datetime


def speaker_surname(speaker: str) -> str:
    """The surname(s) in a feed speaker field, as the shipped calendar writes them.

    ``"Vice Chair for Supervision Michelle W. Bowman"`` -> ``"Bowman"``; a joint
    speech ``"Chair Jerome H. Powell and Governor Lisa D. Cook"`` -> ``"Powell and
    Cook"``; an empty field stays empty.
    """
    names = []
    for person in re.split(r"\s+and\s+", speaker.strip()):
        words = [w for w in person.replace(",", " ").split() if w.lower() not in _SUFFIXES]
        if words:
            names.append(words[-1])
    return " and ".join(names)


class BoardSpeechesSource(HTTPClient):
    """Fetch the Board's speeches listing (``ne-speeches.json``).

    Parameters
    ----------
    settings
        Settings to use (default: :func:`flowdesk.config.get_settings` at fetch
        time); ``offline``, ``http_timeout`` and ``http_retries`` apply.
    client
        An ``httpx.Client`` to reuse (tests pass one with a mock transport).
    sleep
        Back-off sleeper passed to the HTTP helper (tests record it).
    """

    name: ClassVar[str] = "fedboard"

    def transform_query(self) -> Query:
        """The feed's address (keyless, so the public URL is the URL)."""
        return Query(SPEECHES_ID, SPEECHES_FEED_URL, {}, SPEECHES_FEED_URL)

    def extract(self, query: Query) -> Any:
        """GET the feed through the shared HTTP helper and decode its JSON.

        Raises
        ------
        HTTPSourceError
            On HTTP or transport failure (after the helper's retries).
        SourceError
            Offline mode, or an HTML page or invalid JSON instead of the feed.
        """
        response = self._get(query)
        where = f"{self.name} series {query.series_id}"
        if looks_like_html(response):
            raise SourceError(f"{where}: got an HTML page instead of the JSON feed"
                              f" ({query.public_url})")
        try:
            # The Board serves the file with a byte-order mark.
            return json.loads(response.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            detail = " ".join(str(exc).split())[:120]
            raise SourceError(f"{where}: the answer is not valid JSON ({detail})"
                              f" ({query.public_url})") from None

    def transform_data(self, raw: Any) -> pd.DataFrame:
        """Records -> ``date, speaker, title, url`` (checked by ``check_speeches_table``).

        Raises
        ------
        SourceError
            If the payload is not a list of records, or a speech record has no
            link or an unreadable date (its position and value are named).
        """
        where = f"{self.name} series {SPEECHES_ID}"
        if not isinstance(raw, list):
            raise SourceError(f"{where}: expected a JSON array of speeches, got"
                              f" {type(raw).__name__}")
        rows = []
        for n, record in enumerate(raw):
            if not isinstance(record, dict):
                raise SourceError(f"{where}: record {n + 1} is not an object")
            if "l" not in record and "d" not in record:
                continue  # e.g. the feed's {"updateDate": ...} trailer, not a speech
            link, stamp = str(record.get("l") or "").strip(), str(record.get("d") or "").strip()
            if not link:
                raise SourceError(f"{where}: record {n + 1} ({stamp}) has no link 'l'")
            try:
                day = dt.datetime.strptime(stamp, _FEED_DATE).date()
            except ValueError:
                raise SourceError(f"{where}: record {n + 1} ({link}): cannot read date"
                                  f" {stamp!r} (expected M/D/YYYY h:mm:ss AM)") from None
            rows.append({
                "date": day.isoformat(),
                "speaker": speaker_surname(str(record.get("s") or "")),
                "title": " ".join(str(record.get("t") or "").split()),
                "url": link if link.startswith("http") else BOARD_URL + link,
            })
        if not rows:
            raise SourceError(f"{where}: the feed lists no speeches")
        frame = pd.DataFrame(rows, columns=["date", "speaker", "title", "url"])
        # A page listed twice is one speech; the feed is newest first, keep that entry.
        return check_speeches_table(frame.drop_duplicates("url", keep="first"), where)

    def fetch(self) -> SpeechesFetch:
        """Run the three steps; see :meth:`extract` and :meth:`transform_data` for errors."""
        query = self.transform_query()
        frame = self.transform_data(self.extract(query))
        return SpeechesFetch(frame=frame, url=query.public_url,
                             fetched_at=dt.datetime.now(dt.UTC))
