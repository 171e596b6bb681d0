"""Dash pages: thin layouts (register_page, a module-level layout); callbacks live in dash_app.callbacks."""
