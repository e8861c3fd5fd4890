"""The server-rendered explorer (Jinja2 templates, local static files, pyvis network data)."""
