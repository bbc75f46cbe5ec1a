from django.utils.translation import gettext as _

from civicloop.core.hygiene import Refusal, respond


# ---------------------------------------------------------------------------- the site's error answers
# Friendly pages in the person's language with the request id (no internals, whatever DEBUG says for
# Django's own pages), the API's JSON error under /api/, an app's own format where it declares one.


def bad_request(request, exception=None):
    return respond(request, Refusal(400, "bad_request", None, _("The request could not be understood.")))


def forbidden(request, exception=None):
    return respond(request, Refusal(403, "forbidden", None, _("You may not open this page.")))


def not_found(request, exception=None):
    return respond(request, Refusal(404, "not_found", None, _("No such page.")))


def server_error(request):
    return respond(request, Refusal(500, "server_error", None,
                                    _("Something went wrong on our side. Please try again later.")))
