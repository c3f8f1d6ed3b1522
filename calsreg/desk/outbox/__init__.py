"""The demo's outbox: every mail the system "sent", readable at the desk (a demo tool)."""
