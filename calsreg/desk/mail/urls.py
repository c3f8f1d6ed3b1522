"""Failed and stuck mail."""

from django.urls import path

from calsreg.desk.mail import views

urlpatterns = [
    path("mail/troubles/", views.trouble_list, name="mail_troubles"),
    path("mail/troubles/resend/", views.trouble_resend, name="mail_resend"),
]
