"""The orderer directory at the desk: browse, export, import after a preview."""
