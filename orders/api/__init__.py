"""The JSON API (/api/v1/): Django REST Framework views over the same services, selectors and access rules."""
