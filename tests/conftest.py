pytest_plugins = ["agora.testing.infrastructure"]
