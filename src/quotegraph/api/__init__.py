"""The HTTP API and web explorer: ``create_app(db_url, token=None)`` builds the FastAPI app ``quotegraph serve`` runs."""

from __future__ import annotations

from quotegraph.api.app import create_app

__all__ = ["create_app"]
