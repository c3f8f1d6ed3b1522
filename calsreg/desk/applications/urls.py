"""Applications: the queue, one application's page and supervisor match, its kept files, intake."""

from django.urls import path

from calsreg.desk.applications.views import detail, intake, queue

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("applications/<int:pk>/", detail.application_detail, name="application_detail"),
    path("applications/<int:pk>/supervisors/", detail.application_match, name="application_match"),
    path("evidence/<int:pk>/", detail.evidence_file, name="evidence"),
    path("intake/", intake.intake, name="intake"),
]
