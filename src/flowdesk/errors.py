"""Exception hierarchy.

Every error flowdesk raises on purpose derives from :class:`FlowdeskError`, so the
CLI can turn it into one readable line and exit code 2 instead of a traceback.
Messages name the thing at fault (series id, file, argument) and the problem.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataError",
    "FlowdeskError",
    "FlowdeskWarning",
    "ModelError",
    "SourceError",
]


class FlowdeskError(Exception):
    """Base class of all deliberate flowdesk errors."""


class DataError(FlowdeskError):
    """Data that is missing, malformed, or outside what was asked for."""


class SourceError(FlowdeskError):
    """A live data source failed (network, HTTP status, unexpected payload)."""


class ConfigError(FlowdeskError):
    """Bad settings or arguments: unknown option values, missing API keys."""


class ModelError(FlowdeskError):
    """A model cannot produce an estimate from the data it was given."""


class FlowdeskWarning(UserWarning):
    """Something was degraded but work went on (stale data, cache repaired, fallback)."""
