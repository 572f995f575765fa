"""Staff URLs of the applications app, under /handlaggning/ansokningar/."""

from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("<int:pk>/bilagor/<int:attachment_pk>/", views.attachment_download, name="attachment"),
]
