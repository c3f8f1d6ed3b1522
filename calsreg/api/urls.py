from django.urls import path

from calsreg.api.api import api
from calsreg.api.docs import docs_asset

urlpatterns = [
    path("docs/assets/<str:name>", docs_asset, name="api_docs_asset"),
    path("", api.urls),
]
