from django.urls import path

from . import views

urlpatterns = [
    path("schools/<id:school_id>/reminders/", views.send_reminders, name="send_reminders"),
    path("demo/outbox/", views.demo_outbox, name="demo_outbox"),
]
