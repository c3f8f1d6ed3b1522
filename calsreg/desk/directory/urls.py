"""The orderer directory: the list, the CSV export and the previewed import."""

from django.urls import path

from calsreg.desk.directory import views

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("directory/export.csv", views.directory_export, name="directory_export"),
    path("directory/import/", views.directory_import_preview, name="directory_import"),
    path("directory/import/confirm/", views.directory_import_confirm, name="directory_import_confirm"),
]
