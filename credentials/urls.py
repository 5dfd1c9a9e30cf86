"""Public documents under /organizations/<slug>/ (did:web fixes this path)."""

from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("<slug:slug>/did.json", views.did_document_view, name="did-document"),
    path("<slug:slug>/profile.json", views.profile_view, name="profile"),
    path("<slug:slug>/status/<str:purpose>/<int:number>", views.status_list_view, name="status-list"),
]
