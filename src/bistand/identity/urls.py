from django.urls import path

from . import views

app_name = "eid"

urlpatterns = [
    path("simulator/", views.simulator, name="simulator"),
    path("personal/", views.staff_start, name="staff_start"),
    path("personal/klar/", views.staff_complete, name="staff_complete"),
]
