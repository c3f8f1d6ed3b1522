"""The desk's pages about one account (search and the full page come later)."""
