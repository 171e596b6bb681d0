"""The smallest WSGI application, for tests of the gunicorn settings that need no model."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
