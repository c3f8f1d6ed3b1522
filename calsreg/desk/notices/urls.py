"""Staff notices."""

from django.urls import path

from calsreg.desk.notices import views

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/unread.json", views.notice_unread, name="notices_unread"),
    path("notices/read/", views.notices_read, name="notices_read"),
    path("notices/digest/", views.notices_digest, name="notices_digest"),
]
