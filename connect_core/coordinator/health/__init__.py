"""Operations: what tasks really did (runs, progress, lag, cost), honest statuses, and the status page's data.

Domain code only: the page's HTTP routes are in ``coordinator/rest/ui_resource.py``.
"""
