"""The desk's one search box: applications, projects, accounts and directory people by any key."""
