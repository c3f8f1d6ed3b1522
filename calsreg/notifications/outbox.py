from django.core.mail.backends.locmem import (
    EmailBackend as OutboxEmailBackend,
)  # placeholder until notifications lands

__all__ = ["OutboxEmailBackend"]
