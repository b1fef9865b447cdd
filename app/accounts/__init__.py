"""Accounts: users, logins (WeChat and staff), staff accounts and secretary appointments."""
