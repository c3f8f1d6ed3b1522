"""The desk's search."""

from django.urls import path

from calsreg.desk.search import views

urlpatterns = [
    path("search/", views.search, name="search"),
]
