"""What a browser or a proxy may keep of a response."""

from django.urls import reverse
from django.utils.cache import patch_cache_control


class PrivateResponsesMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in person, and on
    every API response whoever asks.

    What a signed-in person is shown names pupils: the pages, the exports, the audit trail;
    so does the API. `private` keeps shared caches (a school's proxy) from storing it;
    `no-store` keeps the browser from writing it to disk, where the next person at a shared
    school computer would find it with the Back button. Public pages (sign-in, the breach
    form, the leaflet) stay cacheable for visitors who are not signed in.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.api_prefix = reverse("api:api-root")

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith(self.api_prefix):
            patch_cache_control(response, private=True, no_store=True)
        return response
