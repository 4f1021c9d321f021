"""Consentry's URLs and /bench/trivial/: the baseline, through the same middleware."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include("consentry.urls"))]
