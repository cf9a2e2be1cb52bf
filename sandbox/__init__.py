"""A local BETCORE Feed server (REST + SignalR hub) for demos and tests."""

from sandbox.server import DEFAULT_PARTNER_ID, DEFAULT_SECRET, Sandbox

__all__ = ["DEFAULT_PARTNER_ID", "DEFAULT_SECRET", "Sandbox"]
