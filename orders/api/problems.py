"""Every API error in one shape: RFC 9457 problem details (application/problem+json).

    {"type": "https://.../problems/not-found", "title": "Not found", "status": 404,
     "detail": "...", "instance": "/api/v1/orders/PO-1/", "errors": {...field errors, when any}}
"""

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from procurement.errors import ApplicationError

PROBLEM_BASE = "/api/v1/problems/"
CONTENT_TYPE = "application/problem+json"


def _slug(title: str) -> str:
    return "-".join(title.lower().replace(".", "").split())


def problem_response(*, status_code: int, title: str, detail: str, instance: str, errors=None, headers=None) -> Response:
    body = {"type": PROBLEM_BASE + _slug(title), "title": title, "status": status_code, "detail": detail, "instance": instance}
    if errors:
        body["errors"] = errors
    response = Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)
    return response


def _detail_text(detail) -> str:
    if isinstance(detail, list):
        return " ".join(_detail_text(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_detail_text(v)}" for k, v in detail.items())
    return str(detail)


def problem_exception_handler(exc, context):
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    if isinstance(exc, ApplicationError):
        return problem_response(status_code=400, title="Request refused", detail=str(exc), instance=instance)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 (and the logs)
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return problem_response(
            status_code=400, title="Invalid input", detail=_detail_text(exc.detail), instance=instance,
            errors=errors, headers=headers,
        )
    titles = {
        401: "Not authenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
        406: "Not acceptable", 415: "Unsupported media type", 429: "Too many requests",
    }
    code = response.status_code
    title = titles.get(code, status.HTTP_400_BAD_REQUEST and "Bad request")
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    return problem_response(status_code=code, title=title, detail=_detail_text(detail), instance=instance, headers=headers)
