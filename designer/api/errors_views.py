from django.http import HttpRequest, JsonResponse

from designer.api.errors import error_body


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API paths answer in the API's error shape, not with the browser app."""
    return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
