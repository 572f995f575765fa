"""The regional coordinator's pages under /region/: aggregates only, never person data."""

from django.urls import path

from .views import followup

app_name = "region"

urlpatterns = [
    path("", followup.region_page, name="home"),
]
