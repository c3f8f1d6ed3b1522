"""The demo's outbox: the list and one message."""

from django.urls import path

from calsreg.desk.outbox import views

urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
]
