"""Both clients reach every native route of today's Ollama server, except the deprecated ones."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import ollama_lite as ollama
from ollama_lite.testing import Emulator

from . import _oracle

_ROUTES = Path(__file__).with_name('ollama_routes.txt')

#: The method of both clients that reaches each route.
METHODS: Dict[Tuple[str, str], str] = {
    ('GET', '/'): 'heartbeat',
    ('HEAD', '/api/version'): 'is_running',
    ('GET', '/api/version'): 'version',
    ('GET', '/api/status'): 'status',
    ('POST', '/api/pull'): 'pull',
    ('POST', '/api/push'): 'push',
    ('GET', '/api/tags'): 'list',
    ('POST', '/api/show'): 'show',
    ('DELETE', '/api/delete'): 'delete',
    ('POST', '/api/me'): 'whoami',
    ('POST', '/api/signout'): 'signout',
    ('POST', '/api/create'): 'create',
    ('POST', '/api/blobs/:digest'): 'create_blob',
    ('HEAD', '/api/blobs/:digest'): 'blob_exists',
    ('POST', '/api/copy'): 'copy',
    ('POST', '/api/experimental/web_search'): 'server_web_search',
    ('POST', '/api/experimental/web_fetch'): 'server_web_fetch',
    ('GET', '/api/experimental/model-recommendations'): 'model_recommendations',
    ('GET', '/api/ps'): 'ps',
    ('POST', '/api/generate'): 'generate',
    ('POST', '/api/chat'): 'chat',
    ('POST', '/api/embed'): 'embed',
}
#: Routes with no method of their own, and why.
UNCOVERED = {
    ('HEAD', '/'): 'the HEAD twin of GET /; is_running() asks HEAD /api/version, which also proves the API is there',
    ('HEAD', '/api/tags'): 'the HEAD twin of GET /api/tags (list); it answers nothing a caller could use',
}
#: Deprecated routes that a client still reaches, for code written for the official client.
DEPRECATED_KEPT = {('POST', '/api/embeddings'): 'embeddings'}


def _routes() -> List[Tuple[str, str, bool]]:
    routes = []
    for line in _ROUTES.read_text(encoding='utf-8').splitlines():
        if line.strip() and not line.startswith('#'):
            method, path, *flags = line.split()
            routes.append((method, path, flags == ['deprecated']))
    return routes


def test_every_native_route_has_a_method_or_a_reason() -> None:
    current = {(method, path) for method, path, deprecated in _routes() if not deprecated}
    assert current == set(METHODS) | set(UNCOVERED)
    deprecated = {(method, path) for method, path, flag in _routes() if flag}
    assert deprecated == {('DELETE', '/api/user/keys/:encodedKey'), ('POST', '/api/embeddings')}


@pytest.mark.parametrize('name', sorted(set(METHODS.values()) | set(DEPRECATED_KEPT.values())))
def test_both_clients_and_the_module_have_the_method(name: str) -> None:
    assert callable(getattr(ollama.Client, name))
    assert callable(getattr(ollama.AsyncClient, name))
    if name not in ('create_blob', 'version'):  # methods only, as in the official client
        assert name in ollama.__all__


def test_the_specs_paths_are_native_routes() -> None:
    native = {(method, path) for method, path, _ in _routes()}
    assert {(method, path) for method, path, _ in _oracle.operations()} <= native


def test_the_emulator_serves_every_native_route() -> None:
    app = Emulator().make_app()
    served = set()
    for resource in app.router.resources():
        info = resource.get_info()
        path = info.get('path') or info.get('formatter', '')
        for route in resource:
            served.add((route.method, path.replace('{digest}', ':digest').replace('{encoded_key}', ':encodedKey')))
    assert {(method, path) for method, path, _ in _routes()} <= served
