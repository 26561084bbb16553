"""The status page's static files (package data: index.html, app.js, app.css)."""
