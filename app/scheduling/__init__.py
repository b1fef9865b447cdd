"""The bot's tables (the leader lease, one row per job run): here so the web app and migrations know them
without importing the bot; the bot's logic over them is bots/leader.py."""
