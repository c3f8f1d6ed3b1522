"""The desk's hand suspension and reinstatement of a project (help desk and administrators)."""
