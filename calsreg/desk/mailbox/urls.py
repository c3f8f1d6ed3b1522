"""Received mail: the triage list, every message, one message and its actions."""

from django.urls import path

from calsreg.desk.mailbox import views

urlpatterns = [
    path("mailbox/", views.triage_list, name="mailbox_triage"),
    path("mailbox/all/", views.received_list, name="mailbox_received"),
    path("mailbox/<int:pk>/", views.message_detail, name="mailbox_message"),
    path("mailbox/<int:pk>/eml/", views.message_eml, name="mailbox_message_eml"),
    path("mailbox/<int:pk>/attach/", views.message_attach, name="mailbox_attach"),
    path("mailbox/<int:pk>/file/", views.message_file, name="mailbox_file"),
    path("mailbox/<int:pk>/reply/", views.message_reply, name="mailbox_reply"),
    path("mailbox/<int:pk>/handled/", views.message_handled, name="mailbox_handled"),
    path("mailbox/<int:pk>/reopen/", views.message_reopen, name="mailbox_reopen"),
]
