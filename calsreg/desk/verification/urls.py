"""The desk's confirmation, decision, registration and start-of-use actions on an application."""

from django.urls import path

from calsreg.desk.verification import views

urlpatterns = [
    path("applications/<int:pk>/verification/", views.verification_panel, name="verification_panel"),
    path("applications/<int:pk>/confirmation/send/", views.confirmation_send, name="confirmation_send"),
    path(
        "applications/<int:pk>/confirmation/<int:request_pk>/reply/",
        views.reply_record,
        name="reply_record",
    ),
    path("applications/<int:pk>/calls/", views.call_record_view, name="call_record"),
    path("applications/<int:pk>/return/", views.return_for_correction, name="application_return"),
    path("applications/<int:pk>/reject/", views.reject, name="application_reject"),
    path("applications/<int:pk>/register/", views.register, name="project_register"),
    path("applications/<int:pk>/start-use/", views.start_use, name="project_start_use"),
    path("confirmations/attention/", views.confirmations_attention, name="confirmations_attention"),
]
