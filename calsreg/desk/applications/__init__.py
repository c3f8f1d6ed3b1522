"""Applications at the desk: the queue, one application's page, intake and its kept files."""
