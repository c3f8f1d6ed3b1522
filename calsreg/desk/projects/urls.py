"""Pages about one project."""

from django.urls import path

from calsreg.desk.projects import views

urlpatterns = [
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
]
