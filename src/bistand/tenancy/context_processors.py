import bistand

from .current import for_request


def tenancy(request):
    """Template variables for every page: the version, and where the user works right now.

    ``current_municipality`` is None for anonymous users and for users who have not chosen one of
    several municipalities; ``user_municipalities`` lists the municipalities the user can switch
    between.
    """
    state = for_request(request)
    return {
        "bistand_version": bistand.__version__,
        "current_municipality": state.municipality,
        "user_municipalities": state.municipalities,
    }
