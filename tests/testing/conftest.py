"""The emulator tests use the fixtures users get from the plugin, so the plugin is tested by every test here."""

from ollama_lite.testing.pytest_plugin import async_ollama_emulator, ollama_emulator

__all__ = ['async_ollama_emulator', 'ollama_emulator']
