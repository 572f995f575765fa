from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("", views.choose_municipality, name="choose_municipality"),
]
