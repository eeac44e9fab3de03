"""`annexa-check serve`: the check as a web page on the user's own computer, for people who never
open a terminal. Needs the `serve` extra (Starlette, uvicorn, python-multipart); imported only by
that command."""
