"""Staff notices at the desk: the list, the unread count polled by the navigation, the digest choice."""
