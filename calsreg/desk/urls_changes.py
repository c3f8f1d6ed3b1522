"""The desk's change-request screens: queue, detail, verification panel and its actions."""

from django.urls import path

from calsreg.desk.views import changes

urlpatterns = [
    path("changes/", changes.change_queue, name="change_queue"),
    path("changes/<int:pk>/", changes.change_detail, name="change_detail"),
    path(
        "changes/<int:pk>/verification/", changes.change_verification_panel, name="change_verification_panel"
    ),
    path("changes/<int:pk>/assign/", changes.change_assign, name="change_assign"),
    path("changes/<int:pk>/callbacks/", changes.change_callback, name="change_callback"),
    path("changes/<int:pk>/apply/", changes.change_apply, name="change_apply"),
    path("changes/<int:pk>/reject/", changes.change_reject, name="change_reject"),
    path("changes/evidence/<int:pk>/", changes.change_evidence_file, name="change_evidence"),
]
