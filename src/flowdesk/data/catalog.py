"""The series catalog: one table naming every series flowdesk knows.

Each row says what a series is (description, units, frequency), where it comes
from (live source and that source's own id), under which license it may be
shipped, how long after its observation date it is normally published (used
for point-in-time filtering), and, for derived series, the formula.

The rows themselves are data: ``catalog.toml`` beside this module, read once
at import into :data:`CATALOG`. There, blocks of rows say once what they share
(source, category, frequency, units, lag, license) and each row only what is
its own.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Literal, get_args

from flowdesk.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATALOG",
    "Frequency",
    "SeriesSpec",
    "SourceName",
    "catalog_frame",
    "get_spec",
    "series_ids",
]

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "annual", "event"]
SourceName = Literal[
    "fred", "cboe", "yahoo", "sec", "fedboard", "snapshot", "derived", "user"
]

# Sources with a registered fetcher. "sec" (SEC EDGAR filings) and "fedboard"
# (the Board's speeches feed) name where a table's newer rows come from; their
# tables are refreshed only when named (`data update EARNINGS_DATES`,
# `data update FED_SPEECHES`), so the plan of a plain `data update` skips them.
_LIVE = ("fred", "cboe", "yahoo")


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One catalog row.

    Attributes
    ----------
    id
        flowdesk's id for the series (FRED ids are kept as they are).
    description
        What the numbers are.
    units
        Units of the values, e.g. ``"percent"``, ``"USD bn"``, ``"index"``.
    frequency
        Native observation frequency.
    source
        Live source that can refresh the series (``snapshot`` means it cannot be
        refreshed automatically; ``derived`` means it is computed from others).
    source_id
        The id the live source uses (FRED id, Cboe symbol, Yahoo ticker).
    category
        Theme used to group series in listings and reports.
    license
        Terms under which the values are shipped.
    attribution
        Credit line to show next to the data.
    release_lag_days
        Calendar days between an observation's date and its publication; an
        estimate for date ``t`` sees an observation dated ``d`` only if
        ``d + release_lag_days <= t``. Approximate and conservative; revisions
        are not modelled (the data are the latest vintage).
    positive
        Values must be strictly positive (prices, index levels).
    kind
        ``"series"`` (one value column) or ``"table"`` (several columns).
    derived_from
        Ids of the inputs of a derived series.
    formula
        Human-readable derivation.
    notes
        Anything a user should know (known bad prints, unit quirks).
    """

    id: str
    description: str
    units: str
    frequency: Frequency
    source: SourceName
    source_id: str | None
    category: str
    license: str
    attribution: str
    release_lag_days: int = 0
    positive: bool = False
    kind: Literal["series", "table"] = "series"
    derived_from: tuple[str, ...] = field(default_factory=tuple)
    formula: str | None = None
    notes: str = ""

    @property
    def live(self) -> bool:
        """Whether a live source can refresh this series."""
        return self.source in _LIVE

    @property
    def stale_after_days(self) -> int:
        """Age (calendar days) of the last observation beyond which it is stale.

        The usual spacing of observations plus the publication lag plus a grace
        period of one spacing.
        """
        spacing = {
            "daily": 4,
            "weekly": 7,
            "monthly": 31,
            "quarterly": 92,
            "annual": 366,
            "event": 400,
        }[self.frequency]
        return 2 * spacing + self.release_lag_days + 3


_TABLE = "catalog.toml"


def _read_table(text: str) -> tuple[SeriesSpec, ...]:
    """The catalog rows of the TOML table ``text`` (the layout of ``catalog.toml``).

    Each row's fields are its block's keys overridden by its own; ``terms``
    names the license and attribution it shares with its source; a live row
    without ``source_id`` goes by its own id at the source.

    Raises
    ------
    DataError
        If a row names unknown terms, misses or misspells a field, or has a
        value outside the field's allowed set.
    """
    doc = tomllib.loads(text)
    allowed = {"frequency": get_args(Frequency), "source": get_args(SourceName),
               "kind": ("series", "table")}
    specs = []
    for block in doc["block"]:
        shared = {key: value for key, value in block.items() if key != "series"}
        for row in block["series"]:
            fields = shared | row
            where = f"{_TABLE}, series {fields.get('id')!r}"
            terms = fields.pop("terms", None)
            if terms is not None:
                if terms not in doc["terms"]:
                    raise DataError(f"{where}: unknown terms {terms!r}")
                fields = doc["terms"][terms] | fields
            for key, values in allowed.items():
                if key in fields and fields[key] not in values:
                    raise DataError(f"{where}: {key} {fields[key]!r} is not one of {values}")
            live = fields.get("source") in _LIVE
            fields.setdefault("source_id", fields.get("id") if live else None)
            fields["derived_from"] = tuple(fields.get("derived_from", ()))
            try:
                specs.append(SeriesSpec(**fields))
            except TypeError as exc:
                raise DataError(f"{where}: {exc}") from None
    return tuple(specs)


CATALOG: tuple[SeriesSpec, ...] = _read_table(
    resources.files("flowdesk.data").joinpath(_TABLE).read_text(encoding="utf-8")
)

_BY_ID: dict[str, SeriesSpec] = {spec.id: spec for spec in CATALOG}


def series_ids() -> list[str]:
    """Return every catalog id, in catalog order."""
    return [spec.id for spec in CATALOG]


def get_spec(series_id: str) -> SeriesSpec:
    """Return the catalog row for ``series_id`` (case-insensitive).

    Raises
    ------
    DataError
        If the id is unknown; the message suggests close matches.
    """
    if not isinstance(series_id, str) or not series_id.strip():
        raise DataError(f"series id must be a non-empty string, got {series_id!r}")
    key = series_id.strip().upper()
    spec = _BY_ID.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, list(_BY_ID), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise DataError(
            f"unknown series id {series_id!r}{hint}; `flowdesk data list` shows all ids"
        )
    return spec


def catalog_frame() -> pd.DataFrame:
    """Return the catalog as a DataFrame indexed by id."""
    import pandas as pd

    rows = [asdict(spec) | {"live": spec.live} for spec in CATALOG]
    frame = pd.DataFrame(rows).set_index("id")
    frame["derived_from"] = frame["derived_from"].map(lambda ids: ",".join(ids))
    return frame
