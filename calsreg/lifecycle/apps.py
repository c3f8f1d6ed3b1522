from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "calsreg.lifecycle"
    label = "lifecycle"
    verbose_name = _("利用終了・保存期間")
