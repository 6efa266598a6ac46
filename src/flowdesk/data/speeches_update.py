"""`flowdesk data update FED_SPEECHES`: refresh the speeches calendar from the Board's feed.

The feed's rows are merged into the cache copy, which is built on the snapshot
and never loses a speech (:func:`flowdesk.data.speeches.save_fed_speeches`). A
failed fetch leaves the cache and the snapshot as they were, with a warning.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from flowdesk.data.outcomes import UpdateOutcome
from flowdesk.data.speeches import SPEECHES_ID, save_fed_speeches
from flowdesk.errors import DataError, FlowdeskWarning, SourceError

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from flowdesk.config import Settings

__all__ = ["update_fed_speeches"]


def update_fed_speeches(
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] | None = None,
) -> UpdateOutcome:
    """Fetch ``ne-speeches.json`` and merge its speeches into the cache.

    Parameters
    ----------
    settings
        Settings (HTTP timeout and retries, offline switch, cache directory).
    client
        Optional ``httpx.Client`` (tests pass one with a mock transport).
    sleep
        Back-off sleeper (tests record it).

    Returns
    -------
    UpdateOutcome
        ``updated``/``unchanged`` with the speeches added and revised, or
        ``failed`` (with a warning) when the feed could not be read.
    """
    from flowdesk.data.sources.fedboard import BoardSpeechesSource

    source = BoardSpeechesSource(settings, client=client, sleep=sleep)
    try:
        fetched = source.fetch()
        merged = save_fed_speeches(fetched.frame, settings=settings, origin=source.name,
                                   url=fetched.url)
    except (SourceError, DataError) as exc:
        warnings.warn(f"{SPEECHES_ID}: update failed ({exc}); keeping the cached/snapshot"
                      " speeches", FlowdeskWarning, stacklevel=2)
        return UpdateOutcome(id=SPEECHES_ID, status="failed", source=source.name,
                             message=str(exc))
    return UpdateOutcome(
        id=SPEECHES_ID, status="updated" if merged.added or merged.revised else "unchanged",
        source=source.name, added=merged.added, revised=merged.revised,
        last=merged.entry.last, message=f"{len(fetched.frame)} speeches in the feed")
