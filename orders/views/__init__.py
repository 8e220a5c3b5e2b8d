"""Orders views, one module per area (shop, documents, finance)."""
