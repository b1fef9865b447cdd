"""The dispatch bot: a long-running scheduler process, separate from the web workers."""
