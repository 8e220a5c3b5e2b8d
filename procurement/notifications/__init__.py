"""Notifications: in-app rows (the bell), emails sent by Celery after commit, per-member preferences.

In the core because budgets (low funds) and orders (approvals, shipping, invoices, month close) both
notify; the one entry point is `services.notify`.
"""
