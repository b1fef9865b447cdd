"""Activities: what volunteers sign up for — village needs and night-school / lecture-hall sessions.

Both live in one table so sign-ups, waitlists, recurring series, check-in and service records
work the same way for each; `app/needs` and `app/sessions` hold what differs (review, topics).
"""
