"""Orderer confirmation at the desk: the panel, mails and replies, calls, decisions, registration and
start of use."""
