from django.urls import path

from calsreg.api.api import api

urlpatterns = [
    path("", api.urls),
]
