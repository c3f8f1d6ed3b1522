"""The desk's page about one project: state, members, billing summary, change requests, timeline."""
