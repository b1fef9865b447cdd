"""Calls the API as the mini-program or the console would: JSON in, JSON out, bearer tokens."""


class Caller:
    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def as_(self, token: str | None) -> "Caller":
        return Caller(self.client, token)

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **params):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path, json=None, **kwargs):
        return self.client.post(f"/api/v1{path}", json=json, headers=self._headers(), **kwargs)

    def patch(self, path, json=None):
        return self.client.patch(f"/api/v1{path}", json=json, headers=self._headers())

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self._headers())
