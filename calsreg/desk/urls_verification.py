"""The desk's confirmation, decision, registration and start-of-use actions on an application."""

from django.urls import path

from calsreg.desk.views import verification

urlpatterns = [
    path("applications/<int:pk>/verification/", verification.verification_panel, name="verification_panel"),
    path(
        "applications/<int:pk>/confirmation/send/", verification.confirmation_send, name="confirmation_send"
    ),
    path(
        "applications/<int:pk>/confirmation/<int:request_pk>/reply/",
        verification.reply_record,
        name="reply_record",
    ),
    path("applications/<int:pk>/calls/", verification.call_record_view, name="call_record"),
    path("applications/<int:pk>/return/", verification.return_for_correction, name="application_return"),
    path("applications/<int:pk>/reject/", verification.reject, name="application_reject"),
    path("applications/<int:pk>/register/", verification.register, name="project_register"),
    path("applications/<int:pk>/start-use/", verification.start_use, name="project_start_use"),
    path("confirmations/attention/", verification.confirmations_attention, name="confirmations_attention"),
]
