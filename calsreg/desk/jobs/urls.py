"""The daily jobs' history."""

from django.urls import path

from calsreg.desk.jobs import views

urlpatterns = [
    path("jobs/", views.daily_jobs, name="daily_jobs"),
]
