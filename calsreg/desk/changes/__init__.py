"""Change (correction) requests at the desk: the queue, one request, call-back verification, apply,
reject."""
