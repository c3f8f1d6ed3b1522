"""Backups of the whole system (database dump + media files + a manifest of checksums) and their
restore. ``take`` writes one, ``check`` verifies one, ``restore`` puts one back; ``lock`` keeps the
retention purge from deleting files while a backup runs. The commands in records/management are thin.

Order: the database is dumped first, then the files are copied. Files are never changed in place and
are written before their rows commit, so every row in the dump finds its file in the copy — unless a
file was deleted in between, which only the retention purge does; it waits for ``backup_lock``.
"""
