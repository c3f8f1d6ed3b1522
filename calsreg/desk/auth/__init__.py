"""Sign-in and sign-out of desk staff."""
