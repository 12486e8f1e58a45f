from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from designer.api.errors import error_body


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown API paths answer in the API's error shape, not with the browser app.

    CSRF-exempt (it changes nothing), so that a POST gets this 404, not the HTML 403 page.
    """
    return JsonResponse(error_body("not_found", f"No API endpoint at {request.path}."), status=404)
