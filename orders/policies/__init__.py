"""Buying policies and approval rules: what applies to an order, and the pages that set them."""
