"""Mail that failed or got stuck: the desk's list, and re-sending one or several."""
