"""The dispatcher: offers that keep every village need covered."""
