"""Local dashboard and JSON API (FastAPI + uvicorn).

``create_app()`` builds the read-only application; ``serve()`` runs it with
uvicorn on loopback (``flowdesk serve``). Pages reuse the report's sections,
templates and figures; the API returns the models' ``.to_dict()`` JSON.
"""

from __future__ import annotations

from flowdesk.web.app import create_app
from flowdesk.web.server import background_server, serve

__all__ = ["background_server", "create_app", "serve"]
