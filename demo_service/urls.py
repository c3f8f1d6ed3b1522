from django.urls import path

from demo_service import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("members/", views.members, name="members"),
    path("members/catch-up/", views.catch_up, name="catch_up"),
    path("hooks/calsreg/", views.webhook, name="webhook"),
    path("backchannel-logout/", views.backchannel_logout, name="backchannel_logout"),
    path("style.css", views.stylesheet, name="stylesheet"),
]
