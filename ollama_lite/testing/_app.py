"""The aiohttp application: routes, and the handlers of the model-management and cloud endpoints.

The model endpoints (generate, chat, embed) live in :mod:`._inference`; plumbing shared by both in :mod:`._http`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

from aiohttp import web

from . import _inference, _replies
from ._catalog import LIBRARY
from ._clock import now_ns
from ._http import (
    STATE,
    ApiError,
    State,
    decode_body,
    deliver,
    find_model,
    middleware,
    model_field,
    state,
)
from ._names import DEFAULT_HOST, DEFAULT_NAMESPACE, InvalidName, ModelName
from ._registry import Layer, Model, derive, model_from_spec
from ._script import Reply

_DIGEST = re.compile(r'sha256[:-]([0-9a-fA-F]{64})')
_SMALL_LAYER = 1_000_000
_PROGRESS_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def build_app(emulator_state: State) -> web.Application:
    """A fresh application serving the Ollama API from ``emulator_state``."""
    # Blob uploads carry model files, so the cap is the emulator's own (64 MiB by default), not aiohttp's 1 MiB.
    app = web.Application(middlewares=[middleware(emulator_state.script)], client_max_size=emulator_state.max_body)
    app[STATE] = emulator_state
    # HEAD only where Ollama's router has it: /, /api/version and /api/tags.
    app.add_routes(
        [
            web.get('/', root),
            web.get('/api/version', version),
            web.get('/api/tags', tags),
            web.get('/api/ps', ps, allow_head=False),
            web.get('/api/status', server_status, allow_head=False),
            web.post('/api/me', whoami),
            web.post('/api/signout', signout),
            web.delete('/api/user/keys/{encoded_key}', signout),
            web.post('/api/experimental/web_search', relay_web_search),
            web.post('/api/experimental/web_fetch', relay_web_fetch),
            web.get('/api/experimental/model-recommendations', model_recommendations, allow_head=False),
            web.post('/api/generate', _inference.generate),
            web.post('/api/chat', _inference.chat),
            web.post('/api/embed', _inference.embed),
            web.post('/api/embeddings', _inference.embeddings),
            web.post('/api/pull', pull),
            web.post('/api/push', push),
            web.post('/api/create', create),
            web.post('/api/show', show),
            web.post('/api/copy', copy),
            web.delete('/api/delete', delete),
            web.head('/api/blobs/{digest}', head_blob),
            web.post('/api/blobs/{digest}', post_blob),
            web.post('/api/web_search', web_search),
            web.post('/api/web_fetch', web_fetch),
        ]
    )
    return app


async def root(request: web.Request) -> web.StreamResponse:
    """``GET /``: the liveness text."""
    single = web.Response(text='Ollama is running')
    return await deliver(request, state(request).script.take(request.path), single=single)


async def version(request: web.Request) -> web.StreamResponse:
    """``GET /api/version``."""
    emu = state(request)
    return await deliver(request, emu.script.take(request.path), single={'version': emu.version})


async def tags(request: web.Request) -> web.StreamResponse:
    """``GET /api/tags``: installed models, newest first."""
    emu = state(request)
    models = [model.tags_entry() for model in emu.registry.models()]
    return await deliver(request, emu.script.take(request.path), single={'models': models})


async def ps(request: web.Request) -> web.StreamResponse:
    """``GET /api/ps``: models in memory whose keep-alive has not run out."""
    emu = state(request)
    models = [entry.ps_entry() for entry in emu.registry.running()]
    return await deliver(request, emu.script.take(request.path), single={'models': models})


async def show(request: web.Request) -> web.StreamResponse:
    """``POST /api/show``: a model's details, template, parameters and metadata."""
    emu = state(request)
    body = decode_body(request, 'ShowRequest')
    model = find_model(emu.registry, model_field(body))
    if body.get('system'):  # the model as a request with that system prompt would run it, as Ollama shows it
        model = dataclasses.replace(model, system=body['system'])
    single = model.show(verbose=bool(body.get('verbose')))
    return await deliver(request, emu.script.take(request.path), single=single)


async def copy(request: web.Request) -> web.StreamResponse:
    """``POST /api/copy``: the same model under another name; an empty 200."""
    emu = state(request)
    body = decode_body(request, 'CopyRequest')
    source, destination = body.get('source') or '', body.get('destination') or ''
    source_name = _parse(source, f'source "{source}" is invalid')
    destination_name = _parse(destination, f'destination "{destination}" is invalid')
    model = emu.registry.find(source_name.display)
    if model is None:
        raise ApiError(404, f"model '{source}' not found")
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.registry.add(derive(model, destination_name, {}, now_ns()))
    return await deliver(request, reply, single=None)


async def delete(request: web.Request) -> web.StreamResponse:
    """``DELETE /api/delete``: uninstall (and unload) a model; an empty 200."""
    emu = state(request)
    body = decode_body(request, 'DeleteRequest')
    name = model_field(body)
    model = emu.registry.find(_parse(name, f'name "{name}" is invalid').display)
    if model is None:
        raise ApiError(404, f"model '{name}' not found")
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.registry.remove(model)
    return await deliver(request, reply, single=None)


async def pull(request: web.Request) -> web.StreamResponse:
    """``POST /api/pull``: a name the catalog knows pulls (progress per layer, then the model is installed);
    another fails after "pulling manifest" as Ollama does when the registry has no such manifest."""
    emu = state(request)
    body = decode_body(request, 'PullRequest')
    name = _parse(model_field(body), 'invalid model name')
    installed = emu.registry.find(name.display)
    if installed is None and not in_catalog(emu, name):
        return await _pull_not_found(request, emu, body)
    model = installed or model_from_spec(name.display, now_ns())
    lines: List[Dict[str, Any]] = [{'status': 'pulling manifest'}]
    for layer in model.layers:
        lines.extend(_transfer('pulling', layer))
    lines += [{'status': 'verifying sha256 digest'}, {'status': 'writing manifest'}, {'status': 'success'}]
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.registry.add(model)
    return await _progress(request, emu, reply, lines, body)


_NO_MANIFEST = 'pull model manifest: file does not exist'


def in_catalog(emu: State, name: ModelName) -> bool:
    """Whether a pull of ``name`` finds it: an ollama.com library model (any tag), or a name a test added."""
    library = name.host.lower() == DEFAULT_HOST and name.namespace.lower() == DEFAULT_NAMESPACE
    if library and name.model.lower() in LIBRARY:
        return True
    wildcard = ModelName(name.host, name.namespace, name.model, '*').key
    return name.key in emu.catalog or wildcard in emu.catalog


async def _pull_not_found(request: web.Request, emu: State, body: Mapping[str, Any]) -> web.StreamResponse:
    # Streamed, the error line follows "pulling manifest"; without streaming Ollama answers it with a 500. A
    # scripted failure still wins, as for any pull.
    reply = emu.script.take(request.path)
    failing = reply if reply is not None and not _completes(reply) else Reply().error_after(1, _NO_MANIFEST)
    return await _progress(request, emu, failing, [{'status': 'pulling manifest'}], body)


def catalog_key(name: str) -> str:
    """The catalog entry for ``name``: a name without a tag stands for every tag of that model.

    Raises :class:`~ollama_lite.testing._names.InvalidName` for a name Ollama would refuse.
    """
    parsed = ModelName.parse(name)
    tagged = name.rfind(':') > name.rfind('/')
    return parsed.key if tagged else ModelName(parsed.host, parsed.namespace, parsed.model, '*').key


async def push(request: web.Request) -> web.StreamResponse:
    """``POST /api/push``: progress per layer for an installed model."""
    emu = state(request)
    body = decode_body(request, 'PushRequest')
    model = find_model(emu.registry, model_field(body))
    lines: List[Dict[str, Any]] = [{'status': 'retrieving manifest'}]
    for layer in model.layers:
        lines.extend(_transfer('pushing', layer))
    lines += [{'status': 'pushing manifest'}, {'status': 'success'}]
    return await _progress(request, emu, emu.script.take(request.path), lines, body)


async def create(request: web.Request) -> web.StreamResponse:
    """``POST /api/create``: a model from another (``from``) or from uploaded blobs (``files``)."""
    emu = state(request)
    body = decode_body(request, 'CreateRequest')
    name = _parse(model_field(body), 'invalid model name')
    files, adapters = _blob_map(emu, body, 'files'), _blob_map(emu, body, 'adapters')
    if body.get('from'):
        base = emu.registry.find(_parse(body['from'], 'invalid model name').display)
        if base is None:
            raise ApiError(404, f"model '{body['from']}' not found")
        lines: List[Dict[str, Any]] = [{'status': 'reading model metadata'}]
        parent = base.name.display
    elif files:
        base = model_from_spec(name.display, now_ns())
        weights = tuple(Layer('application/vnd.ollama.image.model', d, emu.registry.blob_size(d)) for d in files)
        base = derive(base, base.name, {'weights': weights}, base.modified_at_ns)
        lines = [{'status': 'parsing GGUF'}]
        parent = ''
    else:
        raise ApiError(400, "neither 'from' or 'files' was specified")
    changes = _create_changes(body, base, parent)
    if adapters:
        adapter_layers = (Layer('application/vnd.ollama.image.adapter', d, emu.registry.blob_size(d)) for d in adapters)
        changes['weights'] = base.weights + tuple(adapter_layers)
    if 'quantization_level' in changes:
        size = base.weights[0].size
        status = f'quantizing {base.quantization_level} model to {changes["quantization_level"]}'
        quantizing: Dict[str, Any] = {'status': status, 'digest': '0', 'total': size, 'completed': size}
        lines.append(quantizing)
    model = derive(base, name, changes, now_ns())
    known = {layer.digest for layer in base.layers} | set(files)
    for layer in model.layers:
        verb = 'using existing layer' if layer.digest in known else 'creating new layer'
        lines.append({'status': f'{verb} {layer.digest}'})
    lines += [{'status': 'writing manifest'}, {'status': 'success'}]
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.registry.add(model)
    return await _progress(request, emu, reply, lines, body)


def _create_changes(body: Mapping[str, Any], base: Model, parent: str) -> Dict[str, Any]:
    """The fields a create request sets on top of its base model."""
    changes: Dict[str, Any] = {'parent_model': parent}
    for key in ('template', 'system'):
        if isinstance(body.get(key), str):
            changes[key] = body[key]
    license_text = body.get('license')
    if license_text is not None:
        changes['license'] = '\n'.join(license_text) if isinstance(license_text, list) else str(license_text)
    if body.get('parameters'):
        changes['parameters'] = {**base.parameters, **body['parameters']}
    if isinstance(body.get('messages'), list):
        changes['messages'] = tuple(m for m in body['messages'] if isinstance(m, Mapping))
    if body.get('quantize'):
        changes['quantization_level'] = str(body['quantize']).upper()
    return changes


def _blob_map(emu: State, body: Mapping[str, Any], key: str) -> Tuple[str, ...]:
    """The digests of a create request's ``files`` or ``adapters``, each checked to be an uploaded blob."""
    mapping = body.get(key) or {}
    digests = []
    for path, digest in mapping.items():
        if path.startswith(('/', '\\')) or '..' in re.split(r'[\\/]', path):
            raise ApiError(400, 'file path must be relative')
        match = _DIGEST.fullmatch(digest) if isinstance(digest, str) else None
        if match is None:
            raise ApiError(400, 'invalid digest format')
        normalised = 'sha256:' + match.group(1).lower()
        if not emu.registry.has_blob(normalised):
            raise ApiError(400, f'blob "{digest}" not found; upload it with POST /api/blobs/{digest} first')
        digests.append(normalised)
    return tuple(digests)


async def head_blob(request: web.Request) -> web.StreamResponse:
    """``HEAD /api/blobs/sha256:<hex>``: 200 when uploaded, else 404."""
    emu = state(request)
    digest = _blob_digest(request)
    if not emu.registry.has_blob(digest):
        raise ApiError(404, f'blob "{request.match_info["digest"]}" not found')
    return await deliver(request, emu.script.take(request.path), single=web.Response(status=200))


async def post_blob(request: web.Request) -> web.StreamResponse:
    """``POST /api/blobs/sha256:<hex>``: store the body if its sha256 matches; 201, or 200 when already there."""
    emu = state(request)
    digest = _blob_digest(request)
    if emu.registry.has_blob(digest):
        return web.Response(status=200)
    data = await request.read()
    actual = 'sha256:' + hashlib.sha256(data).hexdigest()
    if actual != digest:
        expected = request.match_info['digest']
        raise ApiError(400, f'digest mismatch, expected "{expected}", got "{actual}"')
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.registry.put_blob(digest, data)
    return await deliver(request, reply, single=web.Response(status=201))


def _blob_digest(request: web.Request) -> str:
    match = _DIGEST.fullmatch(request.match_info['digest'])
    if match is None:
        raise ApiError(400, 'invalid digest format')
    return 'sha256:' + match.group(1).lower()


async def server_status(request: web.Request) -> web.StreamResponse:
    """``GET /api/status``: whether the cloud features are disabled, and by what."""
    emu = state(request)
    source = emu.cloud_disabled_by
    single = {'cloud': {'disabled': source is not None, 'source': source or 'none'}}
    return await deliver(request, emu.script.take(request.path), single=single)


#: Where a signed-out server tells its user to sign in: ollama.com's connect page with this machine's key.
SIGNIN_URL = 'https://ollama.com/connect?name=ollama-lite-emulator&key=c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTU'


def _unauthorized() -> ApiError:
    return ApiError(401, 'unauthorized', signin_url=SIGNIN_URL)


async def whoami(request: web.Request) -> web.StreamResponse:
    """``POST /api/me``: the signed-in ollama.com user, else 401 with where to sign in."""
    emu = state(request)
    if emu.user is None:
        raise _unauthorized()
    return await deliver(request, emu.script.take(request.path), single=dict(emu.user))


async def signout(request: web.Request) -> web.StreamResponse:
    """``POST /api/signout`` (and the deprecated ``DELETE /api/user/keys/<key>``): a JSON ``null``."""
    emu = state(request)
    if emu.user is None:
        raise ApiError(401, 'you are not currently signed in')
    reply = emu.script.take(request.path)
    if _completes(reply):
        emu.user = None
    return await deliver(
        request, reply, single=web.Response(body=b'null', content_type='application/json', charset='utf-8')
    )


def signed_in_user(name: str, email: str, plan: str) -> Dict[str, Any]:
    """What ``/api/me`` answers for a signed-in user; the id is fixed by the name, so replies repeat."""
    return {'id': str(uuid.uuid5(uuid.NAMESPACE_URL, f'https://ollama.com/{name}')), 'email': email, 'name': name,
            'plan': plan}  # fmt: skip


def _relay_allowed(emu: State, raw_empty: bool, what: str) -> None:
    # The server's order: the body, then whether cloud is disabled, then ollama.com's answer to its signature.
    if raw_empty:
        raise ApiError(400, 'missing request body')
    if emu.cloud_disabled_by is not None:
        raise ApiError(403, f'ollama cloud is disabled: {what} is unavailable')
    if emu.user is None:
        raise _unauthorized()


async def relay_web_search(request: web.Request) -> web.StreamResponse:
    """``POST /api/experimental/web_search``: the server's relay to ollama.com, signed by the server's sign-in."""
    emu = state(request)
    _relay_allowed(emu, not (await request.read()).strip(), 'web search')
    return await _search(request, emu)


async def relay_web_fetch(request: web.Request) -> web.StreamResponse:
    """``POST /api/experimental/web_fetch``: the server's relay to ollama.com, signed by the server's sign-in."""
    emu = state(request)
    _relay_allowed(emu, not (await request.read()).strip(), 'web fetch')
    return await _fetch(request, emu)


# Ollama's built-in recommendations (server/model_recommendations.go), served when it has no fresher list.
_RECOMMENDATIONS = (
    {'model': 'kimi-k2.6:cloud', 'description': 'State-of-the-art coding, long-horizon execution, and multimodal '
     'agent swarm capability', 'context_length': 262_144, 'max_output_tokens': 262_144},
    {'model': 'glm-5.1:cloud', 'description': 'Reasoning and code generation', 'context_length': 202_752,
     'max_output_tokens': 131_072},
    {'model': 'qwen3.5:cloud', 'description': 'Reasoning, coding, and agentic tool use with vision',
     'context_length': 262_144, 'max_output_tokens': 32_768},
    {'model': 'minimax-m2.7:cloud', 'description': 'Fast, efficient coding and real-world productivity',
     'context_length': 204_800, 'max_output_tokens': 128_000},
    {'model': 'gemma4', 'description': 'Reasoning and code generation locally', 'vram_bytes': 12 * 10**9},
    {'model': 'qwen3.5', 'description': 'Reasoning, coding, and visual understanding locally',
     'vram_bytes': 14 * 10**9},
)  # fmt: skip


async def model_recommendations(request: web.Request) -> web.StreamResponse:
    """``GET /api/experimental/model-recommendations``: the server's default list."""
    emu = state(request)
    single = {'recommendations': [dict(r) for r in _RECOMMENDATIONS]}
    return await deliver(request, emu.script.take(request.path), single=single)


async def web_search(request: web.Request) -> web.StreamResponse:
    """``POST /api/web_search`` (ollama.com): fake results; needs ``Authorization: Bearer <key>``."""
    _authorize(request)
    return await _search(request, state(request))


async def _search(request: web.Request, emu: State) -> web.StreamResponse:
    body = decode_body(request, 'WebSearchRequest')
    query = body.get('query')
    if not query:
        raise ApiError(400, 'query is required')
    count = min(max(body.get('max_results') or 5, 1), 10)
    single = {'results': _replies.search_results(query, count)}
    return await deliver(request, emu.script.take(request.path), single=single)


async def web_fetch(request: web.Request) -> web.StreamResponse:
    """``POST /api/web_fetch`` (ollama.com): a fake page; needs ``Authorization: Bearer <key>``."""
    _authorize(request)
    return await _fetch(request, state(request))


async def _fetch(request: web.Request, emu: State) -> web.StreamResponse:
    body = decode_body(request, 'WebFetchRequest')
    url = body.get('url')
    if not url:
        raise ApiError(400, 'url is required')
    return await deliver(request, emu.script.take(request.path), single=_replies.fetched_page(url))


def _authorize(request: web.Request) -> None:
    scheme, _, key = request.headers.get('Authorization', '').partition(' ')
    if scheme.lower() != 'bearer' or not key.strip():
        raise ApiError(401, 'unauthorized')


def _parse(name: str, message: str) -> ModelName:
    try:
        return ModelName.parse(name)
    except InvalidName:
        raise ApiError(400, message) from None


def _completes(reply: Optional[Reply]) -> bool:
    """Whether a scripted reply lets the operation finish (no error, raw body, mid-stream error or cut)."""
    if reply is None:
        return True
    failing = (reply.error_message, reply.body, reply.error_after_chunks, reply.cut_after_chunks)
    return all(value is None for value in failing)


def _transfer(verb: str, layer: Layer) -> List[Dict[str, Any]]:
    """Progress lines of one layer's download or upload; ``completed`` is left out at 0, as Ollama does."""
    short = layer.digest[7:19]
    steps = _PROGRESS_STEPS if layer.size > _SMALL_LAYER else (1.0,)
    lines = []
    for fraction in steps:
        line: Dict[str, Any] = {'status': f'{verb} {short}', 'digest': layer.digest, 'total': layer.size}
        completed = int(layer.size * fraction)
        if completed:
            line['completed'] = completed
        lines.append(line)
    return lines


async def _progress(
    request: web.Request, emu: State, reply: Optional[Reply], lines: List[Dict[str, Any]], body: Mapping[str, Any]
) -> web.StreamResponse:
    stream = body.get('stream') is not False
    return await deliver(
        request, reply, single={'status': 'success'}, lines=lines, stream=stream, token_delay=emu.token_delay
    )
