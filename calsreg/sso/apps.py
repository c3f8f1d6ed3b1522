from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "calsreg.sso"
    label = "sso"
    verbose_name = "シングルサインオン（OpenID Connect）"

    def ready(self) -> None:
        from calsreg.sso import checks  # noqa: F401  (registers the deploy check)
