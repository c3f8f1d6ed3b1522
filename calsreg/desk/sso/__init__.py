"""The desk\x27s view of single sign-on: relying parties, their deliveries, re-sending."""
