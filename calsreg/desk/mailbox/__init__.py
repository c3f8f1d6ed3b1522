"""Received mail at the desk: the triage list, the log of every message, one message and its actions."""
