from django.apps import AppConfig


class DemoServiceConfig(AppConfig):
    name = "demo_service"
    verbose_name = "情報共有システム（デモ）"
    default_auto_field = "django.db.models.BigAutoField"
