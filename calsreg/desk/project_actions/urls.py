"""Hand suspension and reinstatement of a project."""

from django.urls import path

from calsreg.desk.project_actions import views

urlpatterns = [
    path("projects/<int:pk>/suspend/", views.project_suspend, name="project_suspend"),
    path("projects/<int:pk>/reinstate/", views.project_reinstate, name="project_reinstate"),
]
