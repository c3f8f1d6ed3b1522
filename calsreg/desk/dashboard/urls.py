"""The dashboard, "my work" and assignment (help desk; the dashboard also for billing staff)."""

from django.urls import path

from calsreg.desk.dashboard.views import dashboard, work

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("work/", work.work, name="work"),
    path("work/unassigned/", work.work_unassigned, name="work_unassigned"),
    path("applications/<int:pk>/assign/", work.application_assign_view, name="application_assign"),
]
