"""Login locks: the list, and lifting an ID's or an address's lock."""

from django.urls import path

from calsreg.desk.login_locks import views

urlpatterns = [
    path("login-locks/", views.login_locks, name="login_locks"),
    path("login-locks/lift/", views.login_lock_lift, name="login_lock_lift"),
    path("login-locks/lift-address/", views.login_address_lock_lift, name="login_address_lock_lift"),
]
