from django.urls import URLPattern, path


def slash_optional(route: str, view, *, name: str) -> list[URLPattern]:
    """Serve `route` with and without a trailing slash, without redirecting (a POST cannot follow one)."""
    route = route.rstrip("/")
    return [path(route, view, name=name), path(route + "/", view)]


def drop_trailing_slash_twins(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: document each slash_optional route once, without the slash."""
    bare = {(path_, method) for path_, _regex, method, _callback in endpoints if not path_.endswith("/")}
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].endswith("/") and (endpoint[0].rstrip("/"), endpoint[2]) in bare)
    ]
