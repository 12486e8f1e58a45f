"""Top-level routes: the API, the admin, and the browser app for everything else."""

from django.contrib import admin
from django.urls import include, path, re_path

from designer.api.errors_views import api_not_found
from designer.core.views import spa

urlpatterns = [
    path("api/", include("designer.api.urls")),
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    re_path(r"^(?!static/|ws/).*$", spa, name="spa"),
]
