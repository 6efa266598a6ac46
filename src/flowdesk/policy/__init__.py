"""Monetary policy: FedWatch, a curve-implied proxy, the target range, event attribution.

FedWatch turns futures into meeting probabilities; the proxy stands in without
futures.

Modules, one concern each: :mod:`~flowdesk.policy.fedwatch` (pure CME engine),
:mod:`~flowdesk.policy.futures_input` (reading a user's futures CSV),
:mod:`~flowdesk.policy.proxy`, :mod:`~flowdesk.policy.target`,
:mod:`~flowdesk.policy.attribution` (variance by event day and the release
rules), :mod:`~flowdesk.policy.matrix` (the per-meeting matrix and its
changes), :mod:`~flowdesk.policy.odds_history` (cut odds through time, the
proxy's error), :mod:`~flowdesk.policy.odds_moves` (what moved the odds),
:mod:`~flowdesk.policy.odds_view` (assembles those views),
:mod:`~flowdesk.policy.model` (:class:`FedPolicy`, which loads data and ties
them together) and :mod:`~flowdesk.policy.result` (its frozen
:class:`FedPolicyResult`).
"""

from __future__ import annotations

from flowdesk.policy.fedwatch import FedWatchResult, MeetingProbabilities, fedwatch
from flowdesk.policy.futures_input import read_futures_csv
from flowdesk.policy.model import FedPolicy, FedPolicyResult
from flowdesk.policy.target import TargetRange, target_range

__all__ = [
    "FedPolicy",
    "FedPolicyResult",
    "FedWatchResult",
    "MeetingProbabilities",
    "TargetRange",
    "fedwatch",
    "read_futures_csv",
    "target_range",
]
