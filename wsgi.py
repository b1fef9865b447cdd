from app import create_app
from bots.cli import bot

app = create_app()
# The bot's operator commands (flask --app wsgi bot ...) join here: bots knows the app, app never bots.
app.cli.add_command(bot)
