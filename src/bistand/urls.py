from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from bistand.api.api import api

admin.site.site_header = "Bistånd – administration"
admin.site.site_title = "Bistånd"

urlpatterns = [
    path("", RedirectView.as_view(url="/handlaggning/", permanent=False)),
    path("konto/logga-in/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("konto/logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("handlaggning/kommun/", include("bistand.tenancy.urls")),
    path("handlaggning/", include("bistand.staff.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
