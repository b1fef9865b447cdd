"""Settings and product data: what the service reads from its environment and its catalogues."""
