"""The desk's change-request screens: queue, detail, verification panel and its actions."""

from django.urls import path

from calsreg.desk.changes import views

urlpatterns = [
    path("changes/", views.change_queue, name="change_queue"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/verification/", views.change_verification_panel, name="change_verification_panel"),
    path("changes/<int:pk>/assign/", views.change_assign, name="change_assign"),
    path("changes/<int:pk>/callbacks/", views.change_callback, name="change_callback"),
    path("changes/<int:pk>/apply/", views.change_apply, name="change_apply"),
    path("changes/<int:pk>/reject/", views.change_reject, name="change_reject"),
    path("changes/evidence/<int:pk>/", views.change_evidence_file, name="change_evidence"),
]
