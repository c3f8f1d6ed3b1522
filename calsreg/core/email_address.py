"""The one way two e-mail addresses are compared.

A trust decision (is this reply from the directory address?) must not hinge on how an address
was typed: full-width letters (ＹＡＭＡＤＡ＠…), an ideographic space pasted around it, or capitals
are the same mailbox in practice. What is not the same mailbox stays different: a space or any
other character inside the address is kept, so ``yamada .n@…`` never equals ``yamada.n@…``.
"""

from __future__ import annotations

import unicodedata


def email_address_key(address: str) -> str:
    """``address`` as compared: NFKC (full-width → half-width), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", address).strip().casefold()


def same_email_address(first: str, second: str) -> bool:
    """Whether two addresses name the same mailbox. An empty address is never the same as anything."""
    key = email_address_key(first)
    return bool(key) and "@" in key and key == email_address_key(second)
