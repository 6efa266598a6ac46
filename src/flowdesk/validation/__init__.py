"""The model against published desk estimates: ``flowdesk validate``.

* :mod:`~flowdesk.validation.cases`: the file layout, its strict reader and
  the public cases shipped with the package (``cases/``, with its provenance).
"""

from __future__ import annotations

from flowdesk.validation.cases import FIELDS, CaseFile, read_cases, shipped_cases

__all__ = ["FIELDS", "CaseFile", "read_cases", "shipped_cases"]
