from tests.bots.helpers import side_effects  # noqa: F401
