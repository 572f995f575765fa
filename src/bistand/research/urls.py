from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("simulering/", views.simulation, name="simulation"),
    path("simulering/csv/", views.simulation_csv, name="simulation_csv"),
]
