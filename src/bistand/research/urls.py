from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("simulering/", views.simulation, name="simulation"),
    path("simulering/csv/", views.simulation_csv, name="simulation_csv"),
    path("forskningsprojekt/", views.project_list, name="project_list"),
    path("forskningsprojekt/<slug:slug>/", views.project_detail, name="project_detail"),
    path("forskningsprojekt/<slug:slug>/godkann/", views.project_approve, name="project_approve"),
    path("forskningsprojekt/<slug:slug>/ladda-ner/", views.project_download, name="project_download"),
]
