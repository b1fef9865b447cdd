"""The app as production runs it, plus one bare Flask JSON endpoint to measure against."""

from app import create_app

app = create_app()


@app.get("/bench/bare", doc_ui=False)
def bare():
    return {"ok": True}
