"""The landing page at / and the interactive API viewer: what runs, where the API is documented,
and (outside production) how to log in to the demo."""
