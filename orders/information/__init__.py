"""Order information fields: Business Settings pages, validation of values, the choice search."""
