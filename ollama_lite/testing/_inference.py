"""The model endpoints: ``/api/generate``, ``/api/chat``, ``/api/embed`` and ``/api/embeddings``.

Validation follows Ollama's order and messages; the content comes from the script when a reply is queued, else
from the deterministic defaults of :mod:`._replies`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from aiohttp import web

from . import _replies
from ._clock import now_ns, rfc3339
from ._http import ApiError, State, decode_body, deliver, find_model, json_response, model_field, state
from ._registry import Model, keep_alive_ns
from ._schema import schema_problem
from ._script import Reply

T = TypeVar('T')
_THINK_LEVELS = ('high', 'medium', 'low', 'max')
# The Go kind of each option Ollama's api.Options reads (Options.FromMap); any other key is ignored, as there.
_OPTION_KINDS: Dict[str, str] = {
    **dict.fromkeys(
        ('num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread', 'draft_num_predict', 'num_keep', 'seed',
         'num_predict', 'top_k', 'repeat_last_n'),
        'integer',
    ),
    **dict.fromkeys(
        ('top_p', 'min_p', 'typical_p', 'temperature', 'repeat_penalty', 'presence_penalty', 'frequency_penalty'),
        'float32',
    ),
    'use_mmap': 'boolean',
    'stop': 'array',
}  # fmt: skip
#: How deep a ``format`` or tool schema may nest before the emulator refuses it (it walks schemas recursively).
MAX_SCHEMA_DEPTH = 32


@dataclass
class _Output:
    """What the model says: thinking, then content, then tool calls."""

    thinking: str = ''
    content: str = ''
    calls: List[Dict[str, Any]] = field(default_factory=list)
    done_reason: str = 'stop'


@dataclass
class _Turn:
    """One validated generate or chat request, ready to answer."""

    name: str
    model: Model
    body: Mapping[str, Any]
    prompt: str
    prompt_tokens: int
    think: Any
    cold: bool = False


async def generate(request: web.Request) -> web.StreamResponse:
    """``POST /api/generate``: a completion, or a model load or unload.

    Image generation models are refused, as today's Ollama does; ``width``, ``height`` and ``steps`` are ignored.
    """
    emu = state(request)
    body = decode_body(request, 'GenerateRequest')
    turn = _validate(emu, body, body.get('prompt') or '', 'generate', has_input=bool(body.get('prompt')))
    if isinstance(turn, web.Response):
        return turn
    if body.get('raw') and (body.get('template') or body.get('system') or body.get('context')):
        raise ApiError(400, 'raw mode does not support template, system, or context')
    if body.get('_debug_render_only'):
        rendered = ''.join(f'{part}\n' for part in (body.get('system'), turn.prompt) if part)
        return json_response(_debug_info(turn.name, 'response', rendered, len(body.get('images') or [])))
    turn.prompt_tokens += _replies.count_tokens(body['system']) if body.get('system') else 0
    reply = emu.script.take(request.path)
    output = _output(turn, reply, [])
    context: Dict[str, Any] = {}
    if not body.get('raw'):
        pieces = _replies.tokens(turn.prompt) + _replies.tokens(output.content)
        context['context'] = list(body.get('context') or []) + _replies.token_ids(pieces)
    return await _answer(request, emu, turn, reply, output, _generate_frame, context)


async def chat(request: web.Request) -> web.StreamResponse:
    """``POST /api/chat``: the next assistant message, a model load or unload."""
    emu = state(request)
    body = decode_body(request, 'ChatRequest')
    messages = [m for m in body.get('messages') or [] if isinstance(m, Mapping)]
    turn = _validate(emu, body, _last_user_text(messages), 'chat', has_input=bool(messages))
    if isinstance(turn, web.Response):
        return turn
    tools = body.get('tools') or []
    if tools and 'tools' not in turn.model.capabilities:
        raise ApiError(400, f'{turn.model.name.full} does not support tools')
    _check_tools(tools)
    if body.get('_debug_render_only'):
        rendered = ''.join(f'{m.get("role")}: {m.get("content") or ""}\n' for m in messages)
        images = sum(len(m.get('images') or []) for m in messages)
        return json_response(_debug_info(turn.name, 'message', rendered, images))
    turn.prompt_tokens = sum(_replies.count_tokens(str(m.get('content') or '')) for m in messages)
    reply = emu.script.take(request.path)
    output = _output(turn, reply, messages, tools)
    return await _answer(request, emu, turn, reply, output, _chat_frame, {})


def _debug_info(name: str, output: str, rendered: str, images: int) -> Dict[str, Any]:
    """The reply to ``_debug_render_only``: the rendered prompt instead of an answer, not done, never streamed."""
    empty: Any = {'role': '', 'content': ''} if output == 'message' else ''
    info: Dict[str, Any] = {'rendered_template': rendered}
    if images:
        info['image_count'] = images
    return {'model': name, 'created_at': rfc3339(now_ns()), output: empty, 'done': False, '_debug_info': info}


def _check_depth(value: Any, what: str) -> None:
    """Refuse a schema nested deeper than :data:`MAX_SCHEMA_DEPTH` (400), before anything walks it recursively."""
    pending = [(value, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_SCHEMA_DEPTH:
            raise ApiError(400, f'invalid {what}: nested deeper than {MAX_SCHEMA_DEPTH} levels')
        children = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else ()
        pending.extend((child, depth + 1) for child in children)


def _check_format(value: Any) -> None:
    """Accept what Ollama's runner accepts: nothing, ``""``, ``"json"`` or a JSON object (a schema), and of schemas
    those the emulator can write a document for."""
    if value is None or value in ('', 'json'):
        return
    if not isinstance(value, Mapping):
        raise ApiError(400, _format_error(value))
    _check_depth(value, 'format')
    if schema_problem(value) is not None:
        raise ApiError(400, _format_error(value))


def _check_tools(tools: Any) -> None:
    """Tools as Go reads ``[]api.Tool``: objects whose function is an object with a usable parameter schema."""
    _check_depth(tools, 'tools')
    for tool in tools:
        function = tool.get('function') if isinstance(tool, Mapping) else None
        if not isinstance(tool, Mapping) or (function is not None and not isinstance(function, Mapping)):
            raise ApiError(400, 'json: cannot unmarshal value into Go struct field ChatRequest.tools of type api.Tool')
        parameters = (function or {}).get('parameters')
        problem = None if parameters is None else schema_problem(parameters)
        if problem is not None:
            raise ApiError(400, f'invalid tool parameters: {problem}')


def _format_error(value: Any) -> str:
    # Go quotes the raw JSON with %q.
    quoted = json.dumps(json.dumps(value, separators=(',', ':'), ensure_ascii=False), ensure_ascii=False)
    return f'invalid format: {quoted}; expected "json" or a valid JSON Schema object'


def check_options(options: Any) -> None:
    """Check option types as Ollama's ``Options.FromMap`` does; it answers 500 with these messages."""
    if not isinstance(options, Mapping):
        return
    for key, value in options.items():
        kind = _OPTION_KINDS.get(key)
        if kind is None or value is None:
            continue
        if kind == 'integer':
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind == 'float32':
            ok = isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool))
        elif kind == 'boolean':
            ok = isinstance(value, bool)
        else:
            if not isinstance(value, list):
                raise ApiError(500, f'option "{key}" must be of type array')
            if not all(isinstance(item, str) for item in value):
                raise ApiError(500, f'option "{key}" must be of an array of strings')
            continue
        if not ok:
            raise ApiError(500, f'option "{key}" must be of type {kind}')


def _generate_frame(content: str, thinking: str = '', tool_calls: Optional[List[Any]] = None) -> Dict[str, Any]:
    """The model output fields of a generate chunk."""
    fields: Dict[str, Any] = {'response': content}
    if thinking:
        fields['thinking'] = thinking
    if tool_calls:
        fields['tool_calls'] = tool_calls
    return fields


def _chat_frame(content: str, thinking: str = '', tool_calls: Optional[List[Any]] = None) -> Dict[str, Any]:
    """The model output fields of a chat chunk: the assistant message."""
    return {'message': _message(content, thinking=thinking, tool_calls=tool_calls)}


async def _answer(
    request: web.Request,
    emu: State,
    turn: _Turn,
    reply: Optional[Reply],
    output: _Output,
    frame: Callable[..., Dict[str, Any]],
    final_extra: Mapping[str, Any],
) -> web.StreamResponse:
    """Send ``output`` as thinking chunks, content chunks, a tool-call chunk and a final chunk with the stats,
    or, without streaming, as one object holding all of it."""
    pieces = _replies.tokens(output.content)
    top = _top_logprobs(turn.body)
    lines = [_head(turn.name, **frame('', thinking=piece), done=False) for piece in _replies.tokens(output.thinking)]
    for piece in pieces:
        line = _head(turn.name, **frame(piece), done=False)
        if top is not None:
            line['logprobs'] = _replies.logprobs([piece], top)
        lines.append(line)
    if output.calls:
        lines.append(_head(turn.name, **frame('', tool_calls=output.calls), done=False))
    final = _head(turn.name, **frame(''), done=True, done_reason=output.done_reason)
    final.update(final_extra)
    final.update(_turn_stats(turn, output, emu.token_delay))
    single = {**final, **frame(output.content, thinking=output.thinking, tool_calls=output.calls)}
    if top is not None:
        single['logprobs'] = _replies.logprobs(pieces, top)
    return await _send(request, emu, reply, single, [*lines, final], turn.body)


async def embed(request: web.Request) -> web.StreamResponse:
    """``POST /api/embed``: one unit vector per input text."""
    emu = state(request)
    body = decode_body(request, 'EmbedRequest')
    name = model_field(body)
    texts = _inputs(body.get('input'))
    model = find_model(emu.registry, name)
    check_options(body.get('options'))
    cold = not emu.registry.load(model, _keep_alive(body), _context_length(model, body))
    if not texts:
        return json_response({'model': name, 'embeddings': []})
    if body.get('truncate') is False and any(_replies.count_tokens(t) > model.context_length for t in texts):
        raise ApiError(400, 'the input length exceeds the context length')
    reply = emu.script.take(request.path)
    dimensions = body.get('dimensions')
    vectors = [_vector(model, text, dimensions) for text in texts]
    prompt_tokens = sum(_replies.count_tokens(text) for text in texts)
    stats = _stats(cold, prompt_tokens, 0, 0.0)
    single = {
        'model': name,
        'embeddings': vectors,
        'total_duration': stats['total_duration'],
        'load_duration': stats['load_duration'],
        'prompt_eval_count': prompt_tokens,
    }
    return await deliver(request, reply, single=single)


async def embeddings(request: web.Request) -> web.StreamResponse:
    """``POST /api/embeddings`` (legacy): one vector for ``prompt``."""
    emu = state(request)
    body = decode_body(request, 'EmbeddingRequest')
    name = model_field(body)
    try:
        model = find_model(emu.registry, name)
    except ApiError as error:
        if error.status == 404:
            raise ApiError(404, f'model "{name}" not found, try pulling it first') from None
        raise
    check_options(body.get('options'))  # scheduling the model checks them here too
    emu.registry.load(model, _keep_alive(body), _context_length(model, body))
    prompt = body.get('prompt') or ''
    if not prompt:
        return json_response({'embedding': []})
    reply = emu.script.take(request.path)
    return await deliver(request, reply, single={'embedding': _vector(model, prompt, None)})


def _validate(
    emu: State, body: Mapping[str, Any], prompt: str, verb: str, *, has_input: bool
) -> Union[_Turn, web.Response]:
    """Check a generate or chat request in Ollama's order; return the turn to answer, or the load/unload reply."""
    name = model_field(body)
    top = body.get('top_logprobs')
    if top is not None and not 0 <= top <= 20:
        raise ApiError(400, 'top_logprobs must be between 0 and 20')
    model = find_model(emu.registry, name)
    keep_alive = _keep_alive(body)
    if not has_input and body.get('keep_alive') is not None and keep_alive == 0:
        emu.registry.unload(model)
        return json_response(_loaded(body, verb, 'unload'))
    if verb == 'generate' and 'image' in model.capabilities:
        raise ApiError(400, 'image generation models are not currently supported')
    think = _think(model, name, body.get('think'))
    if 'completion' not in model.capabilities:
        raise ApiError(400, f'"{name}" does not support {verb}')
    check_options(body.get('options'))
    _check_format(body.get('format'))
    cold = not emu.registry.load(model, keep_alive, _context_length(model, body))
    if not has_input:
        return json_response(_loaded(body, verb, 'load'))
    return _Turn(name, model, body, prompt, _replies.count_tokens(prompt), think, cold)


def _loaded(body: Mapping[str, Any], verb: str, reason: str) -> Dict[str, Any]:
    payload: Dict[str, Any] = {'model': body.get('model') or body.get('name'), 'created_at': rfc3339(now_ns())}
    if verb == 'chat':
        payload['message'] = {'role': 'assistant', 'content': ''}
    else:
        payload['response'] = ''
    return {**payload, 'done': True, 'done_reason': reason}


def _think(model: Model, name: str, think: Any) -> Any:
    """The thinking level to use (falsy: none); a thinking model thinks unless told not to, as in Ollama."""
    if think is None:
        return True if 'thinking' in model.capabilities else None
    if not isinstance(think, (bool, str)):
        raise ApiError(400, 'think must be a boolean or string ("high", "medium", "low", "max", true, or false)')
    if isinstance(think, str) and think not in _THINK_LEVELS:
        raise ApiError(400, f'invalid think value: "{think}" (must be "high", "medium", "low", "max", true, or false)')
    if think and 'thinking' not in model.capabilities:
        raise ApiError(400, f'"{name}" does not support thinking')
    return think


def _keep_alive(body: Mapping[str, Any]) -> int:
    try:
        return keep_alive_ns(body.get('keep_alive'))
    except ValueError as error:
        raise ApiError(400, str(error)) from None


def _context_length(model: Model, body: Mapping[str, Any]) -> int:
    options = body.get('options') or {}
    requested = options.get('num_ctx') if isinstance(options, Mapping) else None
    if isinstance(requested, int) and requested > 0:
        return min(requested, model.context_length)
    return min(4096, model.context_length)


def _top_logprobs(body: Mapping[str, Any]) -> Optional[int]:
    """How many alternatives to give per token, or ``None`` when logprobs were not asked for."""
    top = body.get('top_logprobs') or 0
    return top if body.get('logprobs') or top else None


def _last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get('role') == 'user':
            return str(message.get('content') or '')
    return str(messages[-1].get('content') or '') if messages else ''


def _output(
    turn: _Turn,
    reply: Optional[Reply],
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Any] = (),
) -> _Output:
    """The scripted output when a reply carries content, else the default one for the request."""
    if reply is not None and reply.has_content:
        calls = [_call(c['name'], c['arguments'], i) for i, c in enumerate(reply.calls or ())]
        return _Output(reply.thinking or '', reply.content or '', calls, reply.done_reason)
    output = _Output()
    if turn.think:
        output.thinking = _replies.thinking_reply(turn.prompt, turn.think)
    last_role = messages[-1].get('role') if messages else None
    call = _generated(lambda: _replies.tool_call(tools), 'tools') if tools and last_role != 'tool' else None
    fmt = turn.body.get('format')
    if call is not None:
        output.calls = [_call(call['name'], call['arguments'], 0)]
    elif last_role == 'tool':
        output.content = _replies.tool_result_reply(messages)
    elif fmt == 'json' or isinstance(fmt, Mapping):
        output.content = _generated(lambda: _replies.json_reply(turn.prompt, fmt), 'format')
    else:
        output.content, output.done_reason = _limited(_replies.text_reply(turn.name, turn.prompt), turn.body)
    return output


def _generated(make: Callable[[], T], what: str) -> T:
    # A schema that passed schema_problem can still defeat arithmetic (bounds near a float's limits).
    try:
        return make()
    except (ArithmeticError, RecursionError):
        raise ApiError(400, f'invalid {what}: no value fits its schema') from None


def _limited(text: str, body: Mapping[str, Any]) -> Tuple[str, str]:
    """Apply the ``stop`` and ``num_predict`` options to a default text; return it and the done reason."""
    options = body.get('options')
    if not isinstance(options, Mapping):
        options = {}
    for stop in options.get('stop') or []:
        if isinstance(stop, str) and stop and stop in text:
            text = text[: text.index(stop)]
    limit = options.get('num_predict')
    pieces = _replies.tokens(text)
    if isinstance(limit, int) and 0 <= limit < len(pieces):
        return ''.join(pieces[:limit]), 'length'
    return text, 'stop'


def _call(name: str, arguments: Any, index: int) -> Dict[str, Any]:
    return {
        'id': _replies.call_id(name, arguments, index),
        'function': {'index': index, 'name': name, 'arguments': arguments},
    }


def _message(content: str, *, thinking: str = '', tool_calls: Optional[List[Any]] = None) -> Dict[str, Any]:
    message: Dict[str, Any] = {'role': 'assistant', 'content': content}
    if thinking:
        message['thinking'] = thinking
    if tool_calls:
        message['tool_calls'] = tool_calls
    return message


def _head(name: str, **fields: Any) -> Dict[str, Any]:
    return {'model': name, 'created_at': rfc3339(now_ns()), **fields}


def _turn_stats(turn: _Turn, output: _Output, token_delay: float) -> Dict[str, int]:
    # A tool call counts as a few tokens, like the JSON a model writes for it.
    generated = len(_replies.tokens(output.thinking)) + len(_replies.tokens(output.content)) + 8 * len(output.calls)
    return _stats(turn.cold, turn.prompt_tokens, generated, token_delay)


def _stats(cold: bool, prompt_tokens: int, generated: int, token_delay: float) -> Dict[str, int]:
    """Durations (ns) and counts for a final chunk; zero values are left out, as Go's ``omitempty`` does.

    The numbers are nominal, not measured, so tests can rely on them: loading takes 0.85 s cold, prompt tokens
    0.4 ms each, generated tokens the token delay (at least 20 ms) each.
    """
    load = 850_000_000 if cold else 2_500_000
    prompt_eval = prompt_tokens * 400_000
    evaluation = generated * int(max(token_delay, 0.02) * 1_000_000_000)
    stats = {
        'total_duration': load + prompt_eval + evaluation + 1_000_000,
        'load_duration': load,
        'prompt_eval_count': prompt_tokens,
        'prompt_eval_duration': prompt_eval,
        'eval_count': generated,
        'eval_duration': evaluation,
    }
    return {key: value for key, value in stats.items() if value}


async def _send(
    request: web.Request,
    emu: State,
    reply: Optional[Reply],
    single: Dict[str, Any],
    lines: List[Dict[str, Any]],
    body: Mapping[str, Any],
) -> web.StreamResponse:
    stream = body.get('stream') is not False
    return await deliver(request, reply, single=single, lines=lines, stream=stream, token_delay=emu.token_delay)


def _inputs(value: Any) -> List[str]:
    """The texts of an embed request's ``input`` (a string or a list of strings)."""
    if value is None or value == '':
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ApiError(400, 'invalid input type')


def _vector(model: Model, text: str, dimensions: Any) -> List[float]:
    # Seeded by the weights, so copies and models created from this one embed alike.
    size = dimensions if isinstance(dimensions, int) else None
    return _replies.embedding(model.weights[0].digest, text, model.embedding_length, size)
