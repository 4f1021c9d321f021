"""Who is asking: the client's address, as the rate limits see it."""

from allauth.core.internal.httpkit import get_client_ip
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a reverse proxy the connection comes from the proxy, so
    the address is read from the header the proxy sets (CONSENTRY_CLIENT_IP_HEADER) or from
    X-Forwarded-For, as many hops back as there are trusted proxies
    (CONSENTRY_TRUSTED_PROXY_COUNT). The sign-in rate limits (allauth) use the same rule, so
    every limit counts per real client, not per proxy."""
    return get_client_ip(request) or ""
