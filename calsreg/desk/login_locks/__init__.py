"""Login locks: the IDs and client addresses refused at sign-in now, and lifting one."""
