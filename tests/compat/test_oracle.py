"""The official client as the oracle: the same calls, the same server bytes, the same observable outcome.

Requests: every case of ``REQUESTS`` is made through ``ollama_lite.Client``, ``ollama_lite.AsyncClient`` and
the module-level functions, and through ``ollama.Client`` / ``ollama.AsyncClient``, against one recording
server (``_recorder.py``); what the server received must be the same (method, path, query, JSON body
parsed, Content-Type, whether Authorization was sent).

Replies: every case of ``REPLIES`` feeds the same server bytes to both clients and compares what user code
can observe (attributes, mapping access, ``dict(r)``, ``model_dump``, exceptions and their text).

``DIFFERENCES`` is the one list of what deliberately differs, each with its reason; a case it names must
differ (and match once the difference is accounted for), every other case must match exactly. README's
"Deliberate differences" table is rendered from it: ``python -m tests.compat.test_oracle`` rewrites it.
Adding a case is one line in ``REQUESTS`` or ``REPLIES``.
"""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import json
import os
import re
import ssl
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

import ollama_lite
import ollama_lite._model
import ollama_lite._types
from ollama_lite import _api, _config
from tests import _faults as faults
from tests.compat._recorder import Recorder

official = pytest.importorskip('ollama', reason='the official client is a test dependency (ollama-lite[test])')
httpx = pytest.importorskip('httpx')
pydantic = pytest.importorskip('pydantic')

# Fields the server no longer reads are still sent (the matrix checks the bodies) with a DeprecationWarning,
# which is a listed difference with tests of its own (tests/unit/test_server_routes.py); here it is noise.
pytestmark = pytest.mark.filterwarnings('ignore:.*is ignored by the Ollama server:DeprecationWarning')

README = Path(__file__).resolve().parents[2] / 'README.md'


# --- The deliberate differences ----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """What ollama_lite does differently (``lite``) from the official client (``ollama``), and ``why``.

    ``cases`` are patterns (``fnmatch``) of the case names where it shows; ``adjust`` maps the official
    outcome to the one ollama_lite must then have, so that the rest of the case still has to match.
    Without ``adjust`` the case only has to differ. A difference with no cases is one of the design,
    proved by the tests named in ``lite``/``why`` elsewhere in the suite.
    """

    what: str
    ollama: str
    lite: str
    why: str
    cases: Tuple[str, ...] = ()
    adjust: Optional[Callable[[Any], Any]] = None


def _drop_head_and_label_blob(sent: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out = []
    for r in sent:
        if r['path'].startswith('/api/blobs/'):
            out.append({**r, 'method': 'HEAD', 'body': None})
            out.append({**r, 'content_type': 'application/octet-stream'})
        else:
            out.append(r)
    return out


DIFFERENCES: List[Difference] = [
    Difference(
        'HTTP stack', 'httpx', 'requests and aiohttp',
        'the stacks our users already run; no httpx/pydantic pins to clash',
    ),
    Difference(
        'reply types', 'pydantic models',
        'dataclasses with mapping access, `model_dump()`, `model_dump_json()`, `to_dict()`',
        'no pydantic-core; decoding at close to `json.loads` cost',
    ),
    Difference(
        'unknown reply fields', 'dropped', 'kept (`r["new"]`, `dict(r)`, `model_dump()`)',
        'a server upgrade never needs a client upgrade', ('reply/unknown-field*',),
    ),
    Difference(
        'when a stream sends its request', 'on first iteration', 'at the call; `Stream` has `close()` and `with`',
        'errors such as 404 raise at the call; closing is explicit and immediate', ('reply/stream-status-*',),
    ),
    Difference(
        'a reply cut at the transport level (chunked body without its last chunk, reset, short Content-Length)',
        'an httpx error (`RemoteProtocolError`, `ReadError`)',
        '`IncompleteStreamError` (a `ConnectionError`) naming the URL; the chunks before it are delivered',
        'one documented error type for a broken connection', ('reply/cut-*',),
    ),
    Difference(
        'a body or line that is not JSON, an empty body', 'a bare `JSONDecodeError`',
        '`InvalidResponseError` (a `ValueError`, like `JSONDecodeError`) quoting it',
        'one documented error type; old `except ValueError` still works', ('reply/not-json*', 'reply/empty-body*'),
    ),
    Difference(
        'connection errors', 'plain `ConnectionError`',
        '`ConnectError`, `ReadTimeout`, … subclass the builtin `ConnectionError`/`TimeoutError`, naming the URL',
        'catch what you can handle; old `except ConnectionError` still works', ('reply/no-server*',),
    ),
    Difference(
        'a failure status with an empty body', '`e.error` is `\'\'`', '`e.error` is `\'HTTP 500\'` (the status)',
        'an error message is never empty', ('reply/error-empty-*',),
    ),
    Difference(
        'a reply without a field the official types require (`ShowResponse.model_info`, `ChatResponse.message`, '
        '`ListResponse.models`, `EmbedResponse.embeddings`)',
        'pydantic `ValidationError`', 'the reply, the field `None` or empty (`[]`, an empty assistant message)',
        'servers of other ages leave fields out; what a reply lacks stays empty', ('reply/missing-required-*',),
    ),
    Difference(
        'a 200 reply whose body is `{"error": ...}`', 'pydantic `ValidationError` about missing fields',
        '`ResponseError` with the server\'s message (`status_code` -1)',
        'the server\'s words reach the user', ('reply/error-in-200*',),
    ),
    Difference(
        'timeouts and retries', 'no timeout, no retries',
        'connect timeout 10 s; 2 retries on refused connections, 429/502/503/504, and (for calls safe to repeat '
        'only) connections closed before a reply; optional `Timeout(total=)` and `max_reply_bytes=`',
        'a dead host fails in seconds; transient proxy and load errors recover by themselves; nothing that may '
        'have run is run twice; a hostile or broken server cannot hold a call or fill memory',
    ),
    Difference(
        'text holding a lone surrogate (read with `errors=\'surrogateescape\'`, or half of a UTF-16 pair)',
        'sent as a `\\udce9` escape on httpx before 0.28; `UnicodeEncodeError` from httpx 0.28 on',
        'sent as a `\\udce9` escape (the rest of the body stays UTF-8), by both clients',
        'JSON carries what UTF-8 cannot; Ollama reads it as U+FFFD, as it reads any invalid text',
        ('*/lone-surrogate*',),
    ),
    Difference(
        'bad arguments', 'pydantic `ValidationError` for some', '`RequestError` (also a `ValueError`)',
        'one exception type for bad arguments, with a message naming the argument',
    ),
    Difference(
        '`format=` a class', 'refused (pydantic `ValidationError`); pass `Model.model_json_schema()`',
        'a dataclass or pydantic class is turned into its JSON schema; `parse()` builds the instance',
        'the common case needs no extra step', ('*/format-class*',),
    ),
    Difference(
        'fields the official `Message` lacks (`tool_call_id`, `ToolCall.id`, `ToolCall.function.index`, any other '
        'key of a message dict)', 'dropped', 'sent',
        'the server pairs tool results with calls by them; a field a newer server reads reaches it',
        ('chat/*tool-call-id*', 'chat/message-unknown-key*'),
    ),
    Difference(
        'tool schemas', 'keeps only `type`, `items`, `description`, `enum` of each property; drops the rest',
        'the whole JSON schema: nested `properties`/`required`, `anyOf`, `items`, unknown keywords',
        'the model sees the schema the tool declares', ('chat/tools-*nested*',),
    ),
    Difference(
        'tools from functions', 'every parameter `required`, lists without `items`',
        'parameters with a default are optional; lists keep their `items` schema',
        'the model sees which arguments it may leave out, and of what type', ('chat/tools-function-*',),
    ),
    Difference(
        '`create_blob`', '`POST` of the file, labelled `application/json`',
        '`HEAD` first, then the `POST` only if the server lacks the blob (any answer but 200 falls back to it), '
        'labelled `application/octet-stream`',
        'no re-upload of gigabytes the server already has', ('create_blob*',), _drop_head_and_label_blob,
    ),
    Difference(
        '`AsyncClient.web_search`/`web_fetch` without an API key', 'sent to ollama.com without a key (401)',
        'the sync client\'s `ValueError`, before anything is sent',
        'the same call fails the same way in both clients', ('web_*/no-key/async', 'reply/web-*-no-key/async'),
    ),
    Difference(
        'extras', '—',
        '`version()`, `show(verbose=)`, `truncate=`/`shift=` on generate and chat, `renderer=`/`parser=` on '
        'create, `progress=` on `create_blob`, `session=`, `retries=`, `strict_streams=`; today\'s server '
        'routes (`status()`, `whoami()`, `signout()`, `server_web_search()`/`server_web_fetch()`, '
        '`model_recommendations()`, `heartbeat()`, '
        '`is_running()`, `blob_exists()`); `run_tools()`, the tool-call loop; `ollama_lite.web.relay` for aiohttp '
        'apps; several servers behind one client (`hosts=`, `per_host=`, `queue_timeout=`, `client.hosts`, '
        '`client.host(url)`, `client.affinity(key)`, `pull_all()`, `host_of(reply)`); reply fields the official '
        'types lack (`remote_model`, `ListResponse.Model.name`, `ShowResponse.tensors`, …) in attributes, '
        '`dict(r)` and `model_dump()`',
        'every field the server speaks', ('*/extra-*', 'version*'),
    ),
    Difference(
        'options and generate fields the server no longer reads (`width`/`height`/`steps`, `numa`, `low_vram`, '
        '`f16_kv`, `logits_all`, `vocab_only`, `use_mlock`, `embedding_only`, `tfs_z`, `mirostat*`, '
        '`penalize_newline`)', 'sent silently', 'sent as well, with one `DeprecationWarning` per field naming it',
        'the caller learns that the setting has no effect, and code written for the official client still runs',
    ),
    Difference(
        '`\'k\' in obj` after `Obj(k=None)` or `obj.k = None`', '`True` (pydantic counts the field as set)',
        '`False`; a `null` from the server and `obj[\'k\'] = None` do count as set, as in pydantic',
        'no per-instance bookkeeping of constructor arguments on the decoding fast path',
    ),
    Difference(
        'proxy settings from the environment in `AsyncClient`', 'read by default (`trust_env=True`)',
        'read with `trust_env=True` (aiohttp\'s default is off; the sync `Client` reads them, as requests does)',
        'an aiohttp server app\'s own proxy variables do not silently reroute its calls to Ollama',
    ),
    Difference(
        '`systemone` and `SystemOne*`', 'provided', 'not provided',
        'not part of Ollama\'s documented HTTP API that this client follows',
    ),
]  # fmt: skip


def difference_of(case: str) -> Optional[Difference]:
    found = [d for d in DIFFERENCES if any(fnmatch.fnmatchcase(case, p) for p in d.cases)]
    assert len(found) <= 1, f'{case} matches several differences: {[d.what for d in found]}'
    return found[0] if found else None


# --- Arguments built per package -----------------------------------------------------------------------


class Of:
    """An argument that is a type of the package under test: ``Of('Message', {...})`` becomes
    ``ollama.Message.model_validate({...})`` for the official client and ``ollama_lite.Message.from_dict``
    for ours; ``Of('Options', temperature=1)`` calls the constructor."""

    def __init__(self, name: str, data: Any = None, **kwargs: Any) -> None:
        self.name, self.data, self.kwargs = name, data, kwargs

    def build(self, pkg: Any) -> Any:
        cls: Any = pkg
        for part in self.name.split('.'):
            cls = getattr(cls, part)
        if self.data is not None:
            data = resolve(self.data, pkg)
            return cls.model_validate(data) if pkg is official else cls.from_dict(data)
        return cls(**resolve(self.kwargs, pkg))

    def __repr__(self) -> str:
        return f'Of({self.name!r})'


class File:
    """A file the test makes: its path (``as_path`` for a ``Path``)."""

    def __init__(self, name: str, as_path: bool = False) -> None:
        self.name, self.as_path = name, as_path

    def __repr__(self) -> str:
        return f'File({self.name!r})'


_PNG = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
)
_PNG_B64 = base64.b64encode(_PNG).decode()
_FILES: Dict[str, Path] = {}


def resolve(value: Any, pkg: Any) -> Any:
    if isinstance(value, Of):
        return value.build(pkg)
    if isinstance(value, File):
        path = _FILES[value.name]
        return path if value.as_path else str(path)
    if isinstance(value, dict):
        return {k: resolve(v, pkg) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, pkg) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, pkg) for v in value)
    return value


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
      a: The first number
      b: The second number

    Returns:
      int: The sum
    """
    return a + b


def greet(name: str, loud: bool = False) -> str:
    """Greet someone.

    Args:
      name: Who to greet
      loud: Whether to shout
    """
    return name.upper() if loud else name


def total(values: List[float]) -> float:
    """Sum a list.

    Args:
      values: The numbers
    """
    return sum(values)


# Evaluated, as in a module without ``from __future__ import annotations`` (pydantic cannot resolve 'List').
total.__annotations__ = {'values': List[float], 'return': float}


class Person(pydantic.BaseModel):  # type: ignore[misc, name-defined]
    name: str
    age: int


SCHEMA = {'type': 'object', 'properties': {'name': {'type': 'string'}}, 'required': ['name']}
TOOL = {
    'type': 'function',
    'function': {
        'name': 'add',
        'description': 'Add two numbers',
        'parameters': {
            'type': 'object',
            'required': ['a', 'b'],
            'properties': {'a': {'type': 'integer', 'description': 'first'}, 'b': {'type': 'integer'}},
        },
    },
}
TOOL_ENUM = {
    'type': 'function',
    'function': {
        'name': 'unit',
        'parameters': {'type': 'object', 'properties': {'u': {'type': 'string', 'enum': ['c', 'f']}}},
    },
}
TOOL_ARRAY = {
    'type': 'function',
    'function': {
        'name': 'sum',
        'parameters': {'type': 'object', 'properties': {'xs': {'type': 'array', 'items': {'type': 'number'}}}},
    },
}
TOOL_NESTED = {
    'type': 'function',
    'function': {
        'name': 'book',
        'parameters': {
            'type': 'object',
            'properties': {
                'who': {'type': 'object', 'properties': {'name': {'type': 'string'}}, 'required': ['name']},
            },
        },
    },
}
TOOL_DEFS = {
    'type': 'function',
    'function': {
        'name': 'f',
        'parameters': {'type': 'object', '$defs': {'X': {'type': 'string'}}, 'properties': {'x': {'type': 'string'}}},
    },
}
USER = {'role': 'user', 'content': 'Why is the sky blue?'}
SYSTEM = {'role': 'system', 'content': 'Be brief.'}
CALL = {'function': {'name': 'add', 'arguments': {'a': 1, 'b': 2}}}
ASSISTANT_CALL = {'role': 'assistant', 'content': '', 'tool_calls': [CALL]}
TOOL_RESULT = {'role': 'tool', 'content': '3', 'tool_name': 'add'}
OPTIONS = {'temperature': 0.2, 'num_ctx': 4096, 'stop': ['\n'], 'seed': 42}
MODELFILE_FILES = {'model.gguf': 'sha256:' + '0' * 64}

# --- The request matrix: name, method, args, kwargs[, client kwargs] --------------------------------------

Case = Tuple[Any, ...]
REQUESTS: List[Case] = [
    ('generate/model', 'generate', ('m',), {}),
    ('generate/prompt', 'generate', ('m', 'Why is the sky blue?'), {}),
    ('generate/prompt-empty', 'generate', ('m', ''), {}),
    ('generate/lone-surrogate', 'generate', ('m', 'caf\udce9'), {}),
    ('generate/suffix', 'generate', ('m', 'def f(', '    return 1'), {}),
    ('generate/system', 'generate', ('m', 'hi'), {'system': 'Be brief.'}),
    ('generate/system-empty', 'generate', ('m', 'hi'), {'system': ''}),
    ('generate/template', 'generate', ('m', 'hi'), {'template': '{{ .Prompt }}'}),
    ('generate/context', 'generate', ('m', 'hi'), {'context': [1, 2, 3]}),
    ('generate/context-empty', 'generate', ('m', 'hi'), {'context': []}),
    ('generate/stream', 'generate', ('m', 'hi'), {'stream': True}),
    ('generate/stream-false', 'generate', ('m', 'hi'), {'stream': False}),
    ('generate/think-true', 'generate', ('m', 'hi'), {'think': True}),
    ('generate/think-false', 'generate', ('m', 'hi'), {'think': False}),
    ('generate/think-low', 'generate', ('m', 'hi'), {'think': 'low'}),
    ('generate/think-medium', 'generate', ('m', 'hi'), {'think': 'medium'}),
    ('generate/think-high', 'generate', ('m', 'hi'), {'think': 'high'}),
    ('generate/think-max', 'generate', ('m', 'hi'), {'think': 'max'}),
    ('generate/logprobs', 'generate', ('m', 'hi'), {'logprobs': True}),
    ('generate/top-logprobs', 'generate', ('m', 'hi'), {'logprobs': True, 'top_logprobs': 5}),
    ('generate/top-logprobs-zero', 'generate', ('m', 'hi'), {'top_logprobs': 0}),
    ('generate/raw', 'generate', ('m', 'hi'), {'raw': True}),
    ('generate/raw-false', 'generate', ('m', 'hi'), {'raw': False}),
    ('generate/format-empty', 'generate', ('m', 'hi'), {'format': ''}),
    ('generate/format-json', 'generate', ('m', 'hi'), {'format': 'json'}),
    ('generate/format-schema', 'generate', ('m', 'hi'), {'format': SCHEMA}),
    ('generate/format-pydantic-schema', 'generate', ('m', 'hi'), {'format': Person.model_json_schema()}),
    ('generate/format-class', 'generate', ('m', 'hi'), {'format': Person}),
    ('generate/images-path', 'generate', ('m', 'what is this'), {'images': [File('png')]}),
    ('generate/images-pathlib', 'generate', ('m', 'what is this'), {'images': [File('png', as_path=True)]}),
    ('generate/images-bytes', 'generate', ('m', 'what is this'), {'images': [_PNG]}),
    ('generate/images-base64', 'generate', ('m', 'what is this'), {'images': [_PNG_B64]}),
    ('generate/images-Image', 'generate', ('m', 'what is this'), {'images': [Of('Image', value=_PNG)]}),
    ('generate/images-Image-path', 'generate', ('m', 'x'), {'images': [Of('Image', value=File('png'))]}),
    ('generate/images-two', 'generate', ('m', 'x'), {'images': [_PNG, File('png')]}),
    ('generate/images-empty', 'generate', ('m', 'what is this'), {'images': []}),
    ('generate/options-dict', 'generate', ('m', 'hi'), {'options': OPTIONS}),
    ('generate/options-dict-empty', 'generate', ('m', 'hi'), {'options': {}}),
    ('generate/options-Options', 'generate', ('m', 'hi'), {'options': Of('Options', **OPTIONS)}),
    ('generate/options-Options-empty', 'generate', ('m', 'hi'), {'options': Of('Options')}),
    ('generate/options-unknown-key', 'generate', ('m', 'hi'), {'options': {'num_gpu_layers': 3}}),
    ('generate/keep-alive-int', 'generate', ('m', 'hi'), {'keep_alive': 300}),
    ('generate/keep-alive-float', 'generate', ('m', 'hi'), {'keep_alive': 1.5}),
    ('generate/keep-alive-zero', 'generate', ('m', 'hi'), {'keep_alive': 0}),
    ('generate/keep-alive-negative', 'generate', ('m', 'hi'), {'keep_alive': -1}),
    ('generate/keep-alive-str', 'generate', ('m', 'hi'), {'keep_alive': '5m'}),
    ('generate/image-generation', 'generate', ('m', 'a cat'), {'width': 512, 'height': 256, 'steps': 20}),
    ('generate/extra-truncate', 'generate', ('m', 'hi'), {'truncate': True}),
    ('generate/extra-shift', 'generate', ('m', 'hi'), {'shift': False}),
    ('generate/all', 'generate', ('m', 'hi', 'end'), {'system': 's', 'template': 't', 'context': [1], 'think': True, 'logprobs': True, 'top_logprobs': 2, 'raw': True, 'format': 'json', 'images': [_PNG], 'options': OPTIONS, 'keep_alive': '1h'}),  # noqa: E501
    ('generate/all-stream', 'generate', ('m', 'hi'), {'stream': True, 'system': 's', 'format': SCHEMA, 'options': Of('Options', temperature=0), 'keep_alive': 0, 'think': 'high'}),  # noqa: E501
    ('generate/keywords', 'generate', (), {'model': 'm', 'prompt': 'hi', 'suffix': 'x'}),
    ('chat/model', 'chat', ('m',), {}),
    ('chat/messages-empty', 'chat', ('m', []), {}),
    ('chat/dict', 'chat', ('m', [USER]), {}),
    ('chat/Message', 'chat', ('m', [Of('Message', USER)]), {}),
    ('chat/Message-kwargs', 'chat', ('m', [Of('Message', role='user', content='hi')]), {}),
    ('chat/system-and-user', 'chat', ('m', [SYSTEM, USER]), {}),
    ('chat/multi-turn', 'chat', ('m', [USER, {'role': 'assistant', 'content': 'Rayleigh.'}, USER]), {}),
    ('chat/content-empty', 'chat', ('m', [{'role': 'assistant', 'content': ''}, USER]), {}),
    ('chat/content-absent', 'chat', ('m', [{'role': 'user'}]), {}),
    ('chat/lone-surrogate', 'chat', ('m', [{'role': 'user', 'content': '\ud83d'}]), {}),
    ('chat/content-none', 'chat', ('m', [{'role': 'user', 'content': None}]), {}),
    ('chat/thinking-sent-back', 'chat', ('m', [USER, {'role': 'assistant', 'content': 'x', 'thinking': 'hm'}]), {}),
    ('chat/message-unknown-key', 'chat', ('m', [{**USER, 'name': 'bob'}]), {}),
    ('chat/images-path', 'chat', ('m', [{**USER, 'images': [File('png')]}]), {}),
    ('chat/images-pathlib', 'chat', ('m', [{**USER, 'images': [File('png', as_path=True)]}]), {}),
    ('chat/images-bytes', 'chat', ('m', [{**USER, 'images': [_PNG]}]), {}),
    ('chat/images-base64', 'chat', ('m', [{**USER, 'images': [_PNG_B64]}]), {}),
    ('chat/images-Image', 'chat', ('m', [{**USER, 'images': [Of('Image', value=_PNG)]}]), {}),
    ('chat/images-Message', 'chat', ('m', [Of('Message', role='user', content='x', images=[Of('Image', value=_PNG)])]), {}),  # noqa: E501
    ('chat/images-empty', 'chat', ('m', [{**USER, 'images': []}]), {}),
    ('chat/tool-calls-sent-back', 'chat', ('m', [USER, ASSISTANT_CALL, TOOL_RESULT]), {}),
    ('chat/tool-calls-Message', 'chat', ('m', [USER, Of('Message', ASSISTANT_CALL), Of('Message', TOOL_RESULT)]), {}),
    ('chat/tool-calls-empty', 'chat', ('m', [{'role': 'assistant', 'content': 'x', 'tool_calls': []}]), {}),
    ('chat/tool-calls-two', 'chat', ('m', [USER, {'role': 'assistant', 'tool_calls': [CALL, CALL]}]), {}),
    ('chat/tool-call-id', 'chat', ('m', [USER, ASSISTANT_CALL, {**TOOL_RESULT, 'tool_call_id': 'c1'}]), {}),
    ('chat/tool-call-id-in-call', 'chat', ('m', [{'role': 'assistant', 'tool_calls': [{**CALL, 'id': 'c1'}]}]), {}),
    ('chat/tool-call-id-index', 'chat', ('m', [{'role': 'assistant', 'tool_calls': [{'function': {**CALL['function'], 'index': 0}}]}]), {}),  # noqa: E501
    ('chat/tools-dict', 'chat', ('m', [USER]), {'tools': [TOOL]}),
    ('chat/tools-Tool', 'chat', ('m', [USER]), {'tools': [Of('Tool', TOOL)]}),
    ('chat/tools-enum', 'chat', ('m', [USER]), {'tools': [TOOL_ENUM]}),
    ('chat/tools-array-items', 'chat', ('m', [USER]), {'tools': [TOOL_ARRAY]}),
    ('chat/tools-defs', 'chat', ('m', [USER]), {'tools': [TOOL_DEFS]}),
    ('chat/tools-nested-schema', 'chat', ('m', [USER]), {'tools': [TOOL_NESTED]}),
    ('chat/tools-Tool-nested-schema', 'chat', ('m', [USER]), {'tools': [Of('Tool', TOOL_NESTED)]}),
    ('chat/tools-Tool-enum', 'chat', ('m', [USER]), {'tools': [Of('Tool', TOOL_ENUM)]}),
    ('chat/tools-Tool-array-items', 'chat', ('m', [USER]), {'tools': [Of('Tool', TOOL_ARRAY)]}),
    ('chat/tools-minimal', 'chat', ('m', [USER]), {'tools': [{'type': 'function', 'function': {'name': 'now'}}]}),
    ('chat/tools-function', 'chat', ('m', [USER]), {'tools': [add]}),
    ('chat/tools-function-default', 'chat', ('m', [USER]), {'tools': [greet]}),
    ('chat/tools-function-list', 'chat', ('m', [USER]), {'tools': [total]}),
    ('chat/tools-two-dicts', 'chat', ('m', [USER]), {'tools': [TOOL, TOOL_ENUM]}),
    ('chat/tools-empty', 'chat', ('m', [USER]), {'tools': []}),
    ('chat/tools-and-calls', 'chat', ('m', [USER, ASSISTANT_CALL, TOOL_RESULT]), {'tools': [TOOL]}),
    ('chat/stream', 'chat', ('m', [USER]), {'stream': True}),
    ('chat/stream-false', 'chat', ('m', [USER]), {'stream': False}),
    ('chat/think-true', 'chat', ('m', [USER]), {'think': True}),
    ('chat/think-false', 'chat', ('m', [USER]), {'think': False}),
    ('chat/think-low', 'chat', ('m', [USER]), {'think': 'low'}),
    ('chat/think-medium', 'chat', ('m', [USER]), {'think': 'medium'}),
    ('chat/think-high', 'chat', ('m', [USER]), {'think': 'high'}),
    ('chat/logprobs', 'chat', ('m', [USER]), {'logprobs': True}),
    ('chat/top-logprobs', 'chat', ('m', [USER]), {'logprobs': True, 'top_logprobs': 3}),
    ('chat/format-empty', 'chat', ('m', [USER]), {'format': ''}),
    ('chat/format-json', 'chat', ('m', [USER]), {'format': 'json'}),
    ('chat/format-schema', 'chat', ('m', [USER]), {'format': SCHEMA}),
    ('chat/format-pydantic-schema', 'chat', ('m', [USER]), {'format': Person.model_json_schema()}),
    ('chat/format-class', 'chat', ('m', [USER]), {'format': Person}),
    ('chat/options-dict', 'chat', ('m', [USER]), {'options': OPTIONS}),
    ('chat/options-Options', 'chat', ('m', [USER]), {'options': Of('Options', **OPTIONS)}),
    ('chat/options-dict-empty', 'chat', ('m', [USER]), {'options': {}}),
    ('chat/keep-alive-int', 'chat', ('m', [USER]), {'keep_alive': 300}),
    ('chat/keep-alive-float', 'chat', ('m', [USER]), {'keep_alive': 2.5}),
    ('chat/keep-alive-str', 'chat', ('m', [USER]), {'keep_alive': '10m'}),
    ('chat/keep-alive-zero', 'chat', ('m', [USER]), {'keep_alive': 0}),
    ('chat/extra-truncate', 'chat', ('m', [USER]), {'truncate': False}),
    ('chat/all', 'chat', ('m', [SYSTEM, USER]), {'tools': [TOOL], 'think': 'low', 'logprobs': True, 'top_logprobs': 1, 'format': SCHEMA, 'options': OPTIONS, 'keep_alive': -1}),  # noqa: E501
    ('chat/all-stream', 'chat', ('m', [Of('Message', USER)]), {'stream': True, 'tools': [Of('Tool', TOOL)], 'format': 'json', 'options': Of('Options', seed=1), 'keep_alive': '5m'}),  # noqa: E501
    ('chat/keywords', 'chat', (), {'model': 'm', 'messages': [USER]}),
    ('embed/str', 'embed', ('m', 'hello'), {}),
    ('embed/list', 'embed', ('m', ['a', 'b']), {}),
    ('embed/list-empty', 'embed', ('m', []), {}),
    ('embed/default-input', 'embed', ('m',), {}),
    ('embed/truncate', 'embed', ('m', 'x'), {'truncate': True}),
    ('embed/truncate-false', 'embed', ('m', 'x'), {'truncate': False}),
    ('embed/options-dict', 'embed', ('m', 'x'), {'options': {'num_ctx': 512}}),
    ('embed/options-Options', 'embed', ('m', 'x'), {'options': Of('Options', num_ctx=512)}),
    ('embed/keep-alive', 'embed', ('m', 'x'), {'keep_alive': '1m'}),
    ('embed/dimensions', 'embed', ('m', 'x'), {'dimensions': 64}),
    ('embed/all', 'embed', ('m', ['a']), {'truncate': True, 'options': OPTIONS, 'keep_alive': 10, 'dimensions': 8}),
    ('embed/positional', 'embed', ('m', 'x', False, {'seed': 1}, 5, 2), {}),
    ('embeddings/model', 'embeddings', ('m',), {}),
    ('embeddings/prompt', 'embeddings', ('m', 'hello'), {}),
    ('embeddings/prompt-empty', 'embeddings', ('m', ''), {}),
    ('embeddings/options-dict', 'embeddings', ('m', 'x'), {'options': {'temperature': 0}}),
    ('embeddings/options-Options', 'embeddings', ('m', 'x'), {'options': Of('Options', temperature=0)}),
    ('embeddings/keep-alive', 'embeddings', ('m', 'x'), {'keep_alive': 0}),
    ('embeddings/all', 'embeddings', ('m', 'x', {'seed': 3}, '2m'), {}),
    ('pull/default', 'pull', ('m',), {}),
    ('pull/insecure', 'pull', ('m',), {'insecure': True}),
    ('pull/insecure-false', 'pull', ('m',), {'insecure': False}),
    ('pull/stream', 'pull', ('m',), {'stream': True}),
    ('pull/stream-insecure', 'pull', ('m',), {'stream': True, 'insecure': True}),
    ('push/default', 'push', ('m',), {}),
    ('push/insecure', 'push', ('m',), {'insecure': True}),
    ('push/stream', 'push', ('m',), {'stream': True}),
    ('push/stream-insecure', 'push', ('user/m',), {'stream': True, 'insecure': True}),
    ('create/from', 'create', ('new',), {'from_': 'm'}),
    ('create/quantize', 'create', ('new',), {'from_': 'm', 'quantize': 'q4_K_M'}),
    ('create/files', 'create', ('new',), {'files': MODELFILE_FILES}),
    ('create/files-empty', 'create', ('new',), {'files': {}}),
    ('create/adapters', 'create', ('new',), {'from_': 'm', 'adapters': MODELFILE_FILES}),
    ('create/template', 'create', ('new',), {'from_': 'm', 'template': '{{ .Prompt }}'}),
    ('create/license-str', 'create', ('new',), {'from_': 'm', 'license': 'MIT'}),
    ('create/license-list', 'create', ('new',), {'from_': 'm', 'license': ['MIT', 'Apache-2.0']}),
    ('create/system', 'create', ('new',), {'from_': 'm', 'system': 'You are Mario.'}),
    ('create/parameters-dict', 'create', ('new',), {'from_': 'm', 'parameters': {'temperature': 0.5, 'stop': ['x']}}),
    ('create/parameters-Options', 'create', ('new',), {'from_': 'm', 'parameters': Of('Options', num_ctx=2048)}),
    ('create/messages-dicts', 'create', ('new',), {'from_': 'm', 'messages': [USER, {'role': 'assistant', 'content': 'x'}]}),  # noqa: E501
    ('create/messages-Message', 'create', ('new',), {'from_': 'm', 'messages': [Of('Message', USER)]}),
    ('create/messages-empty', 'create', ('new',), {'from_': 'm', 'messages': []}),
    ('create/messages-empty-content', 'create', ('new',), {'from_': 'm', 'messages': [{'role': 'assistant', 'content': ''}]}),  # noqa: E501
    ('create/messages-tool-calls', 'create', ('new',), {'from_': 'm', 'messages': [USER, ASSISTANT_CALL]}),
    ('create/stream', 'create', ('new',), {'from_': 'm', 'stream': True}),
    ('create/all', 'create', ('new', 'q8_0', 'm', MODELFILE_FILES, MODELFILE_FILES, 't', 'MIT', 's', OPTIONS, [USER]), {}),  # noqa: E501
    ('create/all-stream', 'create', ('new',), {'from_': 'm', 'system': 's', 'license': ['a'], 'stream': True}),
    ('create/extra-renderer', 'create', ('new',), {'from_': 'm', 'renderer': 'r', 'parser': 'p'}),
    ('create_blob/path', 'create_blob', (File('blob'),), {}),
    ('create_blob/pathlib', 'create_blob', (File('blob', as_path=True),), {}),
    ('delete/model', 'delete', ('m',), {}),
    ('copy/models', 'copy', ('m', 'm2'), {}),
    ('copy/keywords', 'copy', (), {'source': 'm', 'destination': 'm2'}),
    ('list/all', 'list', (), {}),
    ('ps/all', 'ps', (), {}),
    ('show/model', 'show', ('m',), {}),
    ('show/extra-verbose', 'show', ('m',), {'verbose': True}),
    ('show/extra-verbose-false', 'show', ('m',), {'verbose': False}),
    ('version', 'version', (), {}),
    ('web_search/query', 'web_search', ('ollama',), {}, {'headers': {'Authorization': 'Bearer k'}}),
    ('web_search/max-results', 'web_search', ('ollama', 5), {}, {'headers': {'Authorization': 'Bearer k'}}),
    ('web_search/key-from-env', 'web_search', ('ollama',), {}, {'env': {'OLLAMA_API_KEY': 'k'}}),
    ('web_search/no-key', 'web_search', ('ollama',), {}),
    ('web_fetch/url', 'web_fetch', ('https://ollama.com',), {}, {'headers': {'Authorization': 'Bearer k'}}),
    ('web_fetch/key-from-env', 'web_fetch', ('https://ollama.com',), {}, {'env': {'OLLAMA_API_KEY': 'k'}}),
    ('web_fetch/no-key', 'web_fetch', ('https://ollama.com',), {}),
    ('auth/header', 'list', (), {}, {'headers': {'Authorization': 'Bearer k'}}),
    ('auth/env', 'chat', ('m', [USER]), {}, {'env': {'OLLAMA_API_KEY': 'k'}}),
    ('auth/header-beats-env', 'ps', (), {}, {'headers': {'authorization': 'Basic x'}, 'env': {'OLLAMA_API_KEY': 'k'}}),
    ('headers/custom', 'generate', ('m', 'hi'), {}, {'headers': {'X-Trace': '1'}}),
    ('connection/httpx-settings', 'list', (), {}, {'verify': False, 'trust_env': False, 'follow_redirects': True, 'timeout': httpx.Timeout(5.0, read=60.0)}),  # noqa: E501
    ('connection/limits', 'ps', (), {}, {'limits': httpx.Limits(max_connections=4, max_keepalive_connections=2)}),
    ('connection/timeout-none', 'chat', ('m', [USER]), {'stream': True}, {'timeout': None}),
    ('bad/model-empty', 'generate', ('',), {}),
    ('bad/chat-model-empty', 'chat', ('', [USER]), {}),
    ('bad/message-no-role', 'chat', ('m', [{'content': 'x'}]), {}),
]  # fmt: skip

#: Methods the official package also has as module-level functions (bound to a default ``Client()``).
MODULE_FUNCTIONS = frozenset(
    {'generate', 'chat', 'embed', 'embeddings', 'pull', 'push', 'create', 'delete', 'list', 'copy', 'show', 'ps',
     'web_search', 'web_fetch'}
)  # fmt: skip


def _resolve_path(pkg: Any, path: str) -> Any:
    obj = pkg
    for part in path.split('.'):
        obj = getattr(obj, part, None)
    return obj


def _case_id(case: Case) -> str:
    return str(case[0])


def test_case_names_are_unique_and_every_difference_is_used() -> None:
    names = [c[0] for c in REQUESTS] + [c[0] for c in REPLIES]
    assert len(names) == len(set(names))
    names += [n + '/async' for n in names]
    assert len(REQUESTS) >= 150
    for d in DIFFERENCES:
        for pattern in d.cases:
            assert any(fnmatch.fnmatchcase(n, pattern) for n in names), f'{pattern} ({d.what}) matches no case'


def test_the_table_decides_which_mismatches_are_expected() -> None:
    _check('generate/prompt', ['same'], {'lite': ['same']})
    with pytest.raises(AssertionError, match='lists no reason'):
        _check('generate/prompt', ['theirs'], {'lite': ['ours']})
    with pytest.raises(AssertionError, match='listed as a difference but there is none'):
        _check('generate/format-class', ['same'], {'lite': ['same']})
    with pytest.raises(AssertionError, match='differs beyond'):
        _check('create_blob/path', [], {'lite': ['not what the difference explains']})


# --- Running a request case --------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def recorder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    folder = tmp_path_factory.mktemp('oracle')
    _FILES['png'] = folder / 'pixel.png'
    _FILES['png'].write_bytes(_PNG)
    _FILES['blob'] = folder / 'model.bin'
    _FILES['blob'].write_bytes(b'\0' * 100_000)
    server = Recorder().start()
    yield server
    server.stop()


# One TLS context for every official client: httpx builds a new one per client otherwise (~20 ms each).
_TLS = ssl.create_default_context()


class _ToRecorder(httpx.HTTPTransport):  # type: ignore[misc, name-defined]
    """Sends what the official client addresses to ollama.com (web_search, web_fetch) to the recorder."""

    def __init__(self, url: str) -> None:
        super().__init__(verify=_TLS)
        self._url = httpx.URL(url)

    def handle_request(self, request: Any) -> Any:
        if request.url.host == 'ollama.com':
            request.url = request.url.copy_with(scheme='http', host=self._url.host, port=self._url.port)
        return super().handle_request(request)


class _AsyncToRecorder(httpx.AsyncHTTPTransport):  # type: ignore[misc, name-defined]
    def __init__(self, url: str) -> None:
        super().__init__(verify=_TLS)
        self._url = httpx.URL(url)

    async def handle_async_request(self, request: Any) -> Any:
        if request.url.host == 'ollama.com':
            request.url = request.url.copy_with(scheme='http', host=self._url.host, port=self._url.port)
        return await super().handle_async_request(request)


def _cloud_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ollama_lite's web_search/web_fetch go to ``url`` instead of ollama.com (ours to patch; the official
    client is redirected by a transport given through its own public ``transport=`` argument)."""
    monkeypatch.setattr(_config, 'CLOUD_ORIGIN', url)
    for name in ('WEB_SEARCH', 'WEB_FETCH'):
        endpoint = getattr(_api, name)
        path = endpoint.path.replace('https://ollama.com', url)
        monkeypatch.setattr(_api, name, _api.Endpoint(endpoint.name, endpoint.method, path, endpoint.reply))


@pytest.fixture
def cloud_at_recorder(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    _cloud_at(recorder.url, monkeypatch)


def _family(exc: BaseException) -> str:
    """What ``except`` clause user code would need: bad-argument errors of both are ``ValueError``."""
    for kind in (ValueError, TypeError, AttributeError, ConnectionError):
        if isinstance(exc, kind):
            return f'raises {kind.__name__}'
    return f'raises {type(exc).__name__}'


def _consume(result: Any) -> Any:
    if isinstance(result, Iterator) or type(result).__name__ == 'Stream':
        return list(result)
    return result


async def _aconsume(result: Any) -> Any:
    if hasattr(result, '__aiter__'):
        return [x async for x in result]
    return result


def _call(client: Any, method: str, args: Any, kwargs: Any) -> Any:
    call = getattr(client, method, None)
    return _consume(call(*args, **kwargs)) if call is not None else getattr(client, method)


async def _acall(client: Any, method: str, args: Any, kwargs: Any) -> Any:
    call = getattr(client, method, None)
    return await _aconsume(await call(*args, **kwargs)) if call is not None else getattr(client, method)


def _after(recorder: Recorder, exc: Optional[BaseException]) -> Any:
    """What a call came to: the requests the server received, and the kind of exception if one was raised."""
    sent = recorder.take()
    if exc is None:
        return sent or 'no request'
    return (_family(exc), sent) if sent else _family(exc)


def _split(case: Case, monkeypatch: pytest.MonkeyPatch) -> Tuple[str, Any, Any, Dict[str, Any]]:
    method, args, kwargs = case[1:4]
    client_kwargs = dict(case[4]) if len(case) > 4 else {}
    for key, value in client_kwargs.pop('env', {}).items():
        monkeypatch.setenv(key, value)
    return method, args, kwargs, client_kwargs


def _sync_outcomes(recorder: Recorder, case: Case, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    method, args, kwargs, client_kwargs = _split(case, monkeypatch)
    out: Dict[str, Any] = {}
    for pkg, label in ((official, 'ollama'), (ollama_lite, 'lite')):
        extra = {'transport': _ToRecorder(recorder.url)} if pkg is official else {}
        with pkg.Client(recorder.url, **client_kwargs, **extra) as client:
            try:
                _call(client, method, resolve(args, pkg), resolve(kwargs, pkg))
            except Exception as exc:
                out[label] = _after(recorder, exc)
            else:
                out[label] = _after(recorder, None)
    if method in MODULE_FUNCTIONS and not client_kwargs:
        # The official module functions are methods of a Client() made at import: Client's outcome is theirs.
        assert getattr(official, method).__self__.__class__ is official.Client
        monkeypatch.setenv('OLLAMA_HOST', recorder.url)
        monkeypatch.setattr(ollama_lite, '_default_client', None)
        try:
            _call(ollama_lite, method, resolve(args, ollama_lite), resolve(kwargs, ollama_lite))
        except Exception as exc:
            out['lite module'] = _after(recorder, exc)
        else:
            out['lite module'] = _after(recorder, None)
        ollama_lite._default_client.close()  # type: ignore[union-attr]
    return out


async def _async_outcomes(recorder: Recorder, case: Case, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    method, args, kwargs, client_kwargs = _split(case, monkeypatch)
    out: Dict[str, Any] = {}
    for pkg, label in ((official, 'ollama'), (ollama_lite, 'lite')):
        extra = {'transport': _AsyncToRecorder(recorder.url)} if pkg is official else {}
        async with pkg.AsyncClient(recorder.url, **client_kwargs, **extra) as client:
            try:
                await _acall(client, method, resolve(args, pkg), resolve(kwargs, pkg))
            except Exception as exc:
                out[label] = _after(recorder, exc)
            else:
                out[label] = _after(recorder, None)
    return out


def _check(name: str, theirs: Any, ours: Dict[str, Any]) -> None:
    difference = difference_of(name)
    for label, outcome in ours.items():
        if difference is None:
            assert outcome == theirs, f'{label} differs from the official client and DIFFERENCES lists no reason'
        else:
            assert outcome != theirs, f'{label}: "{difference.what}" is listed as a difference but there is none'
            if difference.adjust is not None:
                assert outcome == difference.adjust(theirs), f'{label} differs beyond "{difference.what}"'


@pytest.mark.usefixtures('cloud_at_recorder')
@pytest.mark.parametrize('case', REQUESTS, ids=_case_id)
def test_request_sync(case: Case, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _sync_outcomes(recorder, case, monkeypatch)
    theirs = out.pop('ollama')
    _check(case[0], theirs, out)


@pytest.mark.usefixtures('cloud_at_recorder')
@pytest.mark.parametrize('case', REQUESTS, ids=_case_id)
async def test_request_async(case: Case, recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    out = await _async_outcomes(recorder, case, monkeypatch)
    theirs = out.pop('ollama')
    _check(case[0] + '/async', theirs, out)


# --- The replies matrix: name, method, args, kwargs, the server's replies -----------------------------------

CHAT = {'model': 'm', 'created_at': '2024-05-01T12:00:00Z', 'message': {'role': 'assistant', 'content': 'Hi'},
        'done': True, 'done_reason': 'stop', 'total_duration': 5, 'eval_count': 3}  # fmt: skip
CALLS = {'role': 'assistant', 'content': '', 'tool_calls': [{'function': {'name': 'add', 'arguments': {'a': 1}}}]}
GENERATE = {'model': 'm', 'created_at': '2024-05-01T12:00:00Z', 'response': 'Hi', 'done': True, 'context': [1, 2]}
LIST = {'models': [{'model': 'm:latest', 'name': 'm:latest', 'modified_at': '2024-05-01T12:00:00.123456Z',
                    'size': 100, 'digest': 'abc', 'details': {'family': 'llama', 'parameter_size': '1B'}}]}  # fmt: skip
PS = {'models': [{'model': 'm', 'name': 'm', 'size': 10, 'size_vram': 5, 'expires_at': '2024-05-01T12:00:00Z'}]}
SHOW = {
    'modelfile': 'FROM m',
    'template': 't',
    'parameters': 'stop x',
    'model_info': {'general.architecture': 'x'},
    'details': {'format': 'gguf'},
    'capabilities': ['completion'],
    'modified_at': '2024-05-01T12:00:00Z',
}
SEARCH = {'results': [{'title': 't', 'url': 'https://e.com', 'content': 'c'}]}
HTML = b'<html><body><h1>502 Bad Gateway</h1></body></html>'
KEY = {'headers': {'Authorization': 'Bearer k'}}


def _chunked(*objs: Any) -> Any:
    return faults.stream(faults.ndjson(*objs))


def _line(text: str, done: bool = False) -> Dict[str, Any]:
    return {'model': 'm', 'message': {'role': 'assistant', 'content': text}, 'done': done}


REPLIES: List[Case] = [
    ('reply/chat', 'chat', ('m', [USER]), {}, (faults.json_reply(CHAT),)),
    ('reply/chat-tool-calls', 'chat', ('m', [USER]), {}, (faults.json_reply({**CHAT, 'message': CALLS}),)),
    ('reply/chat-null-fields', 'chat', ('m', [USER]), {}, (faults.json_reply({**CHAT, 'done_reason': None, 'message': {'role': 'assistant', 'content': None, 'thinking': None}}),)),  # noqa: E501
    ('reply/chat-absent-fields', 'chat', ('m', [USER]), {}, (faults.json_reply({'message': {'role': 'assistant'}}),)),
    ('reply/chat-thinking', 'chat', ('m', [USER]), {'think': True}, (faults.json_reply({**CHAT, 'message': {'role': 'assistant', 'content': 'x', 'thinking': 'hm'}}),)),  # noqa: E501
    ('reply/chat-logprobs', 'chat', ('m', [USER]), {'logprobs': True}, (faults.json_reply({**CHAT, 'logprobs': [{'token': 'Hi', 'logprob': -0.5, 'top_logprobs': [{'token': 'Hi', 'logprob': -0.5}]}]}),)),  # noqa: E501
    ('reply/chat-unicode', 'chat', ('m', [USER]), {}, (faults.json_reply({**CHAT, 'message': {'role': 'assistant', 'content': 'héllo 🦙'}}),)),  # noqa: E501
    ('reply/generate', 'generate', ('m', 'hi'), {}, (faults.json_reply(GENERATE),)),
    ('reply/generate-image', 'generate', ('m', 'a cat'), {}, (faults.json_reply({'model': 'm', 'image': 'aGk=', 'done': True}),)),  # noqa: E501
    ('reply/generate-null-fields', 'generate', ('m', 'hi'), {}, (faults.json_reply({'response': 'x', 'thinking': None, 'context': None}),)),  # noqa: E501
    ('reply/embed', 'embed', ('m', 'x'), {}, (faults.json_reply({'model': 'm', 'embeddings': [[0.5, 0.25]]}),)),
    ('reply/embeddings', 'embeddings', ('m', 'x'), {}, (faults.json_reply({'embedding': [0.5, 0.25]}),)),
    ('reply/list', 'list', (), {}, (faults.json_reply(LIST),)),
    ('reply/list-empty', 'list', (), {}, (faults.json_reply({'models': []}),)),
    ('reply/list-null-details', 'list', (), {}, (faults.json_reply({'models': [{'model': 'm', 'details': None}]}),)),
    ('reply/ps', 'ps', (), {}, (faults.json_reply(PS),)),
    ('reply/ps-empty', 'ps', (), {}, (faults.json_reply({'models': []}),)),
    ('reply/missing-required-show-model-info', 'show', ('m',), {}, (faults.json_reply({'modelfile': 'FROM m'}),)),
    ('reply/missing-required-chat-message', 'chat', ('m', [USER]), {}, (faults.json_reply({'model': 'm', 'done': True}),)),  # noqa: E501
    ('reply/missing-required-list-models', 'list', (), {}, (faults.json_reply({}),)),
    ('reply/missing-required-embed-embeddings', 'embed', ('m', 'x'), {}, (faults.json_reply({'model': 'm'}),)),
    ('reply/pull-progress', 'pull', ('m',), {}, (faults.json_reply({'status': 'success', 'digest': 'd', 'total': 5, 'completed': 5}),)),  # noqa: E501
    ('reply/show', 'show', ('m',), {}, (faults.json_reply(SHOW),)),
    ('reply/pull', 'pull', ('m',), {}, (faults.json_reply({'status': 'success'}),)),
    ('reply/create', 'create', ('m',), {'from_': 'x'}, (faults.json_reply({'status': 'success'}),)),
    ('reply/copy', 'copy', ('m', 'n'), {}, (faults.reply(200),)),
    ('reply/delete', 'delete', ('m',), {}, (faults.reply(200),)),
    ('reply/web-search', 'web_search', ('q',), {}, (faults.json_reply(SEARCH),), KEY),
    ('reply/web-fetch', 'web_fetch', ('https://e.com',), {}, (faults.json_reply({'title': 't', 'content': 'c', 'links': None}),), KEY),  # noqa: E501
    ('reply/web-search-no-key', 'web_search', ('q',), {}, (faults.json_reply({'error': 'unauthorized'}, 401),)),
    ('reply/web-fetch-no-key', 'web_fetch', ('https://e.com',), {}, (faults.json_reply({'error': 'unauthorized'}, 401),)),  # noqa: E501
    ('reply/unknown-field-chat', 'chat', ('m', [USER]), {}, (faults.json_reply({**CHAT, 'brand_new': {'x': 1}}),)),
    ('reply/unknown-field-list', 'list', (), {}, (faults.json_reply({'models': [{'model': 'm', 'new': 1}]}),)),
    ('reply/error-404', 'chat', ('m', [USER]), {}, (faults.json_reply({'error': "model 'm' not found"}, 404),)),
    ('reply/error-400', 'generate', ('m', 'hi'), {}, (faults.json_reply({'error': 'invalid options'}, 400),)),
    ('reply/error-500', 'show', ('m',), {}, (faults.json_reply({'error': 'boom'}, 500),)),
    ('reply/error-copy-404', 'copy', ('m', 'n'), {}, (faults.json_reply({'error': 'not found'}, 404),)),
    ('reply/error-delete-500', 'delete', ('m',), {}, (faults.reply(500, b'oops', content_type='text/plain'),)),
    ('reply/error-html-502', 'list', (), {}, (faults.reply(502, HTML, content_type='text/html'),)),
    ('reply/error-text-500', 'ps', (), {}, (faults.reply(500, b'Internal Server Error', content_type='text/plain'),)),
    ('reply/error-empty-500', 'ps', (), {}, (faults.reply(500),)),
    ('reply/error-in-200', 'chat', ('m', [USER]), {}, (faults.json_reply({'error': 'out of memory'}),)),
    ('reply/empty-body', 'list', (), {}, (faults.reply(200),)),
    ('reply/not-json', 'list', (), {}, (faults.reply(200, b'hello', content_type='text/plain'),)),
    ('reply/stream-chat', 'chat', ('m', [USER]), {'stream': True}, (_chunked(_line('a'), _line('b'), _line('', True)),)),  # noqa: E501
    ('reply/stream-generate', 'generate', ('m', 'hi'), {'stream': True}, (_chunked({'response': 'a', 'done': False}, {'response': '', 'done': True, 'context': [1]}),)),  # noqa: E501
    ('reply/stream-pull', 'pull', ('m',), {'stream': True}, (_chunked({'status': 'pulling'}, {'status': 'downloading', 'completed': 1, 'total': 2}, {'status': 'success'}),)),  # noqa: E501
    ('reply/stream-error-line', 'chat', ('m', [USER]), {'stream': True}, (_chunked(_line('a'), {'error': 'runner crashed'}),)),  # noqa: E501
    ('reply/stream-without-done', 'chat', ('m', [USER]), {'stream': True}, (_chunked(_line('a'), _line('b')),)),
    ('reply/stream-pull-without-success', 'pull', ('m',), {'stream': True}, (_chunked({'status': 'pulling'}),)),
    ('reply/stream-empty', 'generate', ('m', 'hi'), {'stream': True}, (_chunked(),)),
    ('reply/stream-last-line-without-newline', 'chat', ('m', [USER]), {'stream': True}, (faults.stream([b'{"message":{"role":"assistant","content":"a"},"done":true}']),)),  # noqa: E501
    ('reply/stream-status-404', 'chat', ('m', [USER]), {'stream': True}, (faults.json_reply({'error': 'not found'}, 404),)),  # noqa: E501
    ('reply/stream-status-500-text', 'pull', ('m',), {'stream': True}, (faults.reply(500, b'disk full', content_type='text/plain'),)),  # noqa: E501
    ('reply/cut-chunked', 'chat', ('m', [USER]), {'stream': True}, (faults.cut(faults.ndjson(_line('a'))),)),
    ('reply/cut-reset', 'chat', ('m', [USER]), {'stream': True}, ((*faults.stream(faults.ndjson(_line('a')), end=False), faults.Close(reset=True)),)),  # noqa: E501
    ('reply/cut-short-content-length', 'list', (), {}, (faults.cut_body(json.dumps(LIST).encode(), 20),)),
    ('reply/cut-stream-short-content-length', 'chat', ('m', [USER]), {'stream': True}, ((faults.Send(faults.head(200, {'Content-Type': 'application/x-ndjson', 'Content-Length': '500'}) + faults.ndjson(_line('a'))[0]), faults.Close()),)),  # noqa: E501
    ('reply/no-server', 'list', (), {}, (), {'host': 'refused'}),
]  # fmt: skip

#: Our types and the official type each stands for (nested ones under the official client's names).
_COUNTERPARTS = {
    cls: theirs
    for path in ('ListResponse.Model', 'ProcessResponse.Model', 'Message.ToolCall', 'Message.ToolCall.Function',
                 'Tool.Function', 'Tool.Function.Parameters', 'Tool.Function.Parameters.Property',
                 *(n for n, v in vars(official._types).items() if isinstance(v, type)))
    for cls, theirs in [(_resolve_path(ollama_lite._types, path), _resolve_path(official._types, path))]
    if isinstance(cls, type) and issubclass(cls, ollama_lite._model.Model)
}  # fmt: skip


def _official_fields(obj: Any) -> Optional[frozenset]:  # type: ignore[type-arg]
    """The fields the official counterpart of our ``obj`` has; ours beyond them are "extras" above."""
    theirs = _COUNTERPARTS.get(type(obj))
    return frozenset(theirs.model_fields) if theirs is not None else None


def _prune(data: Any, obj: Any) -> Any:
    """``data`` (a dump of our ``obj``) without the fields the official types lack, walking ``obj`` alongside."""
    if isinstance(obj, ollama_lite._model.Model) and isinstance(data, dict):
        allowed = _official_fields(obj)
        names = {f.name: f for f in dataclasses.fields(obj)}  # type: ignore[arg-type]
        wire = {f.metadata.get(ollama_lite._model.JSON_NAME, f.name): f.name for f in names.values()}
        out = {}
        for key, value in data.items():
            name = key if key in names else wire.get(key)
            if name is not None and allowed is not None and name not in allowed:
                continue
            inner = getattr(obj, name) if name is not None else (obj._extra or {}).get(key)
            out[key] = _prune(value, inner)
        return out
    if isinstance(data, list) and isinstance(obj, (list, tuple)) and len(data) == len(obj):
        return [_prune(d, o) for d, o in zip(data, obj)]
    if isinstance(data, dict) and isinstance(obj, dict):
        return {k: _prune(v, obj.get(k)) for k, v in data.items()}
    return data


def _plain(value: Any) -> Any:
    """A value user code would compare: models as ``dict(m)`` (ours without the extras), datetimes as text."""
    if isinstance(value, pydantic.BaseModel):
        return {k: _plain(v) for k, v in dict(value).items()}
    if isinstance(value, ollama_lite._model.Model):
        allowed = _official_fields(value)
        names = {f.name for f in dataclasses.fields(value)}  # type: ignore[arg-type]
        return {k: _plain(v) for k, v in dict(value).items() if allowed is None or k not in names or k in allowed}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)  # pydantic's ByteSize
    return value


def _try(read: Callable[[], Any], of: Any = None) -> Any:
    """What ``read()`` gives user code; with ``of``, a dump of ``of`` pruned to the official fields."""
    try:
        value = read()
    except Exception as exc:
        return f'raises {type(exc).__name__}'
    return _plain(_prune(value, of) if of is not None else value)


def _observe(r: Any, fields: Sequence[str]) -> Dict[str, Any]:
    """Everything user code can read of one reply."""
    seen: Dict[str, Any] = {'type': type(r).__name__ if type(r).__name__ != 'ListModel' else 'Model'}
    for f in fields:
        seen[f] = (
            _try(lambda: getattr(r, f)),  # noqa: B023 - called at once
            _try(lambda: r[f]),  # noqa: B023
            _try(lambda: r.get(f)),  # noqa: B023
            _try(lambda: r.get(f, 'default')),  # noqa: B023
            f in r,
        )
    first = fields[0] if fields else 'x'
    seen['unknown'] = (_try(lambda: r['nope']), r.get('nope'), r.get('nope', 'default'), 'nope' in r)
    seen['dict'] = _try(lambda: dict(r), r)
    seen['dump'] = _try(r.model_dump, r)
    seen['dump_json_mode'] = _try(lambda: r.model_dump(mode='json'), r)
    seen['dump_exclude_none'] = _try(lambda: r.model_dump(exclude_none=True), r)
    seen['dump_include'] = _try(lambda: r.model_dump(include={first}), r)
    seen['dump_exclude'] = _try(lambda: r.model_dump(exclude={first}), r)
    seen['dump_json'] = _try(lambda: json.loads(r.model_dump_json()), r)
    seen['dump_json_exclude_none'] = _try(lambda: json.loads(r.model_dump_json(exclude_none=True)), r)
    return seen


def _fields_of(method: str) -> Sequence[str]:
    reply = {'list': 'ListResponse', 'ps': 'ProcessResponse', 'show': 'ShowResponse', 'embed': 'EmbedResponse',
             'embeddings': 'EmbeddingsResponse', 'pull': 'ProgressResponse', 'create': 'ProgressResponse',
             'copy': 'StatusResponse', 'delete': 'StatusResponse', 'chat': 'ChatResponse',
             'generate': 'GenerateResponse', 'web_search': 'WebSearchResponse',
             'web_fetch': 'WebFetchResponse'}  # fmt: skip
    return list(getattr(official, reply[method]).model_fields)


def _error(exc: BaseException, when: str) -> Dict[str, Any]:
    seen = {'raises': _family(exc), 'when': when, 'str': str(exc)}
    if type(exc).__name__ == 'ResponseError':
        seen.update(raises='ResponseError', error=getattr(exc, 'error', None), status_code=exc.status_code)  # type: ignore[attr-defined]
    return seen


def _reply_outcome(run: Callable[[], Any], fields: Sequence[str]) -> Any:
    try:
        result = run()
    except Exception as exc:
        return _error(exc, 'at the call')
    if not isinstance(result, Iterator) and type(result).__name__ != 'Stream':
        return _observe(result, fields)
    chunks: List[Any] = []
    try:
        for chunk in result:
            chunks.append(_observe(chunk, fields))
    except Exception as exc:
        return {'chunks': chunks, 'end': _error(exc, 'while iterating')}
    return {'chunks': chunks, 'end': 'ends'}


async def _areply_outcome(run: Callable[[], Any], fields: Sequence[str]) -> Any:
    try:
        result = await run()
    except Exception as exc:
        return _error(exc, 'at the call')
    if not hasattr(result, '__aiter__'):
        return _observe(result, fields)
    chunks: List[Any] = []
    try:
        async for chunk in result:
            chunks.append(_observe(chunk, fields))
    except Exception as exc:
        return {'chunks': chunks, 'end': _error(exc, 'while iterating')}
    return {'chunks': chunks, 'end': 'ends'}


@pytest.fixture(scope='module')
def fault_server() -> Iterator[faults.FaultServer]:
    server = faults.FaultServer().start()
    yield server
    server.stop()


def _reply_setup(
    case: Case, server: faults.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> Tuple[str, Any, Any, Dict[str, Any], str]:
    _, method, args, kwargs, _replies = case[:5]
    client_kwargs = dict(case[5]) if len(case) > 5 else {}
    host = client_kwargs.pop('host', None)
    _cloud_at(server.url, monkeypatch)
    if host == 'refused':
        sock, port = faults.refused_port()
        sock.close()  # nothing listens there now
        return method, args, kwargs, client_kwargs, f'http://127.0.0.1:{port}'
    return method, args, kwargs, client_kwargs, server.url


@pytest.mark.parametrize('case', REPLIES, ids=_case_id)
def test_reply_sync(case: Case, fault_server: faults.FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    method, args, kwargs, client_kwargs, url = _reply_setup(case, fault_server, monkeypatch)
    out = {}
    for pkg, label in ((official, 'ollama'), (ollama_lite, 'lite')):
        fault_server.reset()
        fault_server.script(*case[4])
        # Retries are a listed difference of their own; here both clients make one attempt.
        extra = {'transport': _ToRecorder(fault_server.url)} if pkg is official else {'retries': 0}
        with pkg.Client(url, **client_kwargs, **extra) as client:
            a, kw = resolve(args, pkg), resolve(kwargs, pkg)
            out[label] = _reply_outcome(lambda: _consume_lazily(client, method, a, kw), _fields_of(method))  # noqa: B023
    theirs = out.pop('ollama')
    _check(case[0], theirs, out)


@pytest.mark.parametrize('case', REPLIES, ids=_case_id)
async def test_reply_async(case: Case, fault_server: faults.FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    method, args, kwargs, client_kwargs, url = _reply_setup(case, fault_server, monkeypatch)
    out = {}
    for pkg, label in ((official, 'ollama'), (ollama_lite, 'lite')):
        fault_server.reset()
        fault_server.script(*case[4])
        extra = {'transport': _AsyncToRecorder(fault_server.url)} if pkg is official else {'retries': 0}
        async with pkg.AsyncClient(url, **client_kwargs, **extra) as client:
            a, kw = resolve(args, pkg), resolve(kwargs, pkg)
            out[label] = await _areply_outcome(lambda: getattr(client, method)(*a, **kw), _fields_of(method))  # noqa: B023
    theirs = out.pop('ollama')
    _check(case[0] + '/async', theirs, out)


def _consume_lazily(client: Any, method: str, args: Any, kwargs: Any) -> Any:
    return getattr(client, method)(*args, **kwargs)


# --- README ----------------------------------------------------------------------------------------------

_BEGIN = '<!-- deliberate differences: generated by python -m tests.compat.test_oracle -->'
_END = '<!-- end of deliberate differences -->'


def readme_table() -> str:
    """The README's table of deliberate differences, rendered from ``DIFFERENCES``."""
    rows = ['| what | official client | ollama_lite | why |', '|---|---|---|---|']
    rows += [f'| {d.what} | {d.ollama} | {d.lite} | {d.why} |' for d in DIFFERENCES]
    return '\n'.join(rows)


def _readme_with_table(text: str) -> str:
    pattern = re.compile(re.escape(_BEGIN) + r'.*?' + re.escape(_END), re.S)
    assert pattern.search(text), f'README.md lacks the {_BEGIN} ... {_END} markers'
    return pattern.sub(lambda _: f'{_BEGIN}\n\n{readme_table()}\n\n{_END}', text)


def test_readme_lists_exactly_these_differences() -> None:
    text = README.read_text(encoding='utf-8')
    assert _readme_with_table(text) == text, 'README is out of date: run  python -m tests.compat.test_oracle'


def _main(argv: Sequence[str]) -> int:
    text = README.read_text(encoding='utf-8')
    new = _readme_with_table(text)
    if new != text:
        README.write_text(new, encoding='utf-8')
        print('README.md: deliberate differences rewritten')
    return 0


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parents[2])
    sys.exit(_main(sys.argv[1:]))
