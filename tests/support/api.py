"""API test helpers: a token for a member and a client that sends it (not a test module)."""

from rest_framework.test import APIClient

from procurement.api_tokens import api_token_create


def token_for(member, name="test", days=30) -> str:
    return api_token_create(member=member, name=name, expires_in_days=days)[1]


def api_client(member=None, token=None) -> APIClient:
    client = APIClient()
    token = token or (token_for(member) if member is not None else None)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
