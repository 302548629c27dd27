"""run_tools end to end against the emulator: scripted multi-round runs, sync and async, streamed and not.

Every test checks what the emulator received, so the history sent back to the model is known exactly.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional, Tuple, TypeVar

import pytest

import ollama_lite as ollama
from ollama_lite import (
    ChatResponse,
    MaxRoundsError,
    Message,
    RequestError,
    Tool,
    ToolCallError,
    ToolCallEvent,
    ToolResultEvent,
    ToolRun,
    _api,
)
from ollama_lite.testing import EmulatorURL, Reply
from ollama_lite.testing.pytest_plugin import async_ollama_emulator, ollama_emulator
from tests._loops import run_async

__all__ = ['async_ollama_emulator', 'ollama_emulator']

TRANSPORTS = ['sync', 'async']
QUESTION = {'role': 'user', 'content': 'Weather in Paris, and 1 + 2?'}
WAIT = 10.0  # a generous bound for things that happen at once when they happen at all


def get_weather(city: str, days: int = 1) -> Dict[str, Any]:
    """Get the weather forecast of a city.

    Args:
        city: The city's name.
        days: How many days ahead.
    """
    return {'city': city, 'days': days, 'sky': 'sunny'}


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


T = TypeVar('T')


def run_tools(transport: str, url: str, *args: Any, **kwargs: Any) -> ToolRun:
    if transport == 'sync':
        with ollama.Client(url) as client:
            return client.run_tools('llama3.2', *args, **kwargs)

    async def run() -> ToolRun:
        async with ollama.AsyncClient(url) as client:
            return await client.run_tools('llama3.2', *args, **kwargs)

    return run_async(run())


def stream_tools(transport: str, url: str, *args: Any, **kwargs: Any) -> Tuple[List[Any], ToolRun]:
    if transport == 'sync':
        with ollama.Client(url) as client, client.run_tools('llama3.2', *args, stream=True, **kwargs) as stream:
            return list(stream), stream.run

    async def run() -> Tuple[List[Any], ToolRun]:
        # Nested, not one statement: the formatter would parenthesise that, which Python 3.8 cannot parse.
        async with ollama.AsyncClient(url) as client:  # noqa: SIM117
            async with await client.run_tools('llama3.2', *args, stream=True, **kwargs) as stream:
                return [item async for item in stream], stream.run

    return run_async(run())


def wire(message: Message) -> Dict[str, Any]:
    """A message as a chat request carries it."""
    return json.loads(_api.chat('m', [message]).body)['messages'][0]  # type: ignore[no-any-return]


def chat_bodies(url: EmulatorURL) -> List[Dict[str, Any]]:
    return [r.body for r in url.emulator.requests if r.path == '/api/chat']


def ids_of(run: ToolRun, round: int) -> List[Optional[str]]:
    return [call.id for call in run.rounds[round].message.tool_calls or []]


def two_calls() -> Reply:
    return Reply.tool_calls([('get_weather', {'city': 'Paris', 'days': '2'}), ('add', {'a': 1, 'b': 2})])


WEATHER_RESULT = '{"city": "Paris", "days": 2, "sky": "sunny"}'


def expected_history(run: ToolRun, *, thinking: Optional[str] = None) -> List[Dict[str, Any]]:
    first, second = ids_of(run, 0)
    # The server's empty content is not sent back: like the official client, empty fields of a message are
    # left out of the request.
    assistant: Dict[str, Any] = {'role': 'assistant'}
    if thinking:
        assistant['thinking'] = thinking
    assistant['tool_calls'] = [
        {'function': {'name': 'get_weather', 'arguments': {'city': 'Paris', 'days': '2'}, 'index': 0}, 'id': first},
        {'function': {'name': 'add', 'arguments': {'a': 1, 'b': 2}, 'index': 1}, 'id': second},
    ]
    return [
        QUESTION,
        assistant,
        {'role': 'tool', 'content': WEATHER_RESULT, 'tool_name': 'get_weather', 'tool_call_id': first},
        {'role': 'tool', 'content': '3', 'tool_name': 'add', 'tool_call_id': second},
    ]


# --- The loop and the history it sends ---------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_two_calls_in_one_reply_then_the_answer(ollama_emulator: EmulatorURL, transport: str) -> None:
    ollama_emulator.emulator.reply(
        Reply.tool_calls(
            [('get_weather', {'city': 'Paris', 'days': '2'}), ('add', {'a': 1, 'b': 2})], thinking='Two tools.'
        ),
        Reply.text('Sunny in Paris; 1 + 2 = 3.'),
    )
    given = [QUESTION]
    run = run_tools(transport, ollama_emulator, given, [get_weather, add])

    assert given == [QUESTION]  # the caller's list is left as it was
    assert run.final.message.content == 'Sunny in Paris; 1 + 2 = 3.'
    assert [r.message.thinking for r in run] == ['Two tools.', None]
    assert [(c.name, c.arguments, c.result, c.error) for c in run.calls] == [
        ('get_weather', {'city': 'Paris', 'days': '2'}, {'city': 'Paris', 'days': 2, 'sky': 'sunny'}, None),
        ('add', {'a': 1, 'b': 2}, 3, None),
    ]
    assert all(c.ok and c.duration >= 0 and c.round == 0 for c in run.calls)
    assert [c.id for c in run.calls] == ids_of(run, 0)
    assert all(i and i.startswith('call_') for i in ids_of(run, 0))

    first, second = chat_bodies(ollama_emulator)
    assert first['messages'] == [QUESTION]
    assert second['messages'] == expected_history(run, thinking='Two tools.')
    names = [[t['function']['name'] for t in body['tools']] for body in (first, second)]
    assert names == [['get_weather', 'add'], ['get_weather', 'add']]
    assert first['tools'][0]['function']['parameters']['required'] == ['city']
    # The history to continue with is what was sent (the wire leaves out empty fields), then the answer.
    assert [wire(m) for m in run.messages] == [*second['messages'], wire(run.final.message)]


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_a_reply_without_tool_calls_ends_the_run_at_once(ollama_emulator: EmulatorURL, transport: str) -> None:
    ollama_emulator.emulator.reply(Reply.text('No tools needed.'))
    run = run_tools(transport, ollama_emulator, [QUESTION], [get_weather])
    assert (len(run), run.calls, run.final.message.content) == (1, [], 'No tools needed.')
    assert len(chat_bodies(ollama_emulator)) == 1


def test_the_emulators_own_default_tool_call_round_trips(ollama_emulator: EmulatorURL) -> None:
    run = run_tools('sync', ollama_emulator, [QUESTION], [get_weather])
    assert [c.name for c in run.calls] == ['get_weather']
    assert run.final.message.content.startswith('Based on the tool results: get_weather returned')


def test_a_call_without_id_or_arguments_still_round_trips(ollama_emulator: EmulatorURL) -> None:
    # An older server: no call ids, and null for a call without arguments.
    call = {'function': {'name': 'ping', 'arguments': None}}
    body = {'model': 'llama3.2', 'message': {'role': 'assistant', 'content': '', 'tool_calls': [call]}, 'done': True}

    def ping() -> str:
        """Ping."""
        return 'pong'

    ollama_emulator.emulator.reply(Reply.json(body), Reply.text('ok'))
    run = run_tools('sync', ollama_emulator, [QUESTION], [ping])
    assert (run.calls[0].arguments, run.calls[0].id, run.calls[0].content) == ({}, None, 'pong')
    assert chat_bodies(ollama_emulator)[1]['messages'][2] == {'role': 'tool', 'content': 'pong', 'tool_name': 'ping'}


# --- Failing calls --------------------------------------------------------------------------------------


class Boom(Exception):
    pass


def explode(reason: str) -> str:
    """Always fails."""
    raise Boom(f'no luck with {reason}')


@pytest.mark.parametrize('transport', TRANSPORTS)
@pytest.mark.parametrize(
    ('call', 'error'),
    [
        (('explode', {'reason': 'rain'}), 'explode raised Boom: no luck with rain'),
        (('explode', {'reason': ''}), 'explode raised Boom: no luck with '),
        (('fail', {}), "fail raised KeyError: 'missing'"),
        (('fail_quietly', {}), 'fail_quietly raised RuntimeError'),
        (
            ('add', {'a': 1, 'b': 'two'}),
            'the arguments do not fit add: argument b: expected an integer, got a string "two"',
        ),
        (('add', {'a': 1}), "the arguments do not fit add: missing required argument 'b'"),
        (
            ('divide', {'a': 1}),
            "there is no tool named 'divide'; the tools are 'explode', 'add', 'fail', 'fail_quietly'",
        ),
    ],
    ids=[
        'the-function-raises',
        'raises-with-empty-text',
        'raises-key-error',
        'raises-without-text',
        'wrong-argument-type',
        'missing-argument',
        'unknown-tool',
    ],
)
@pytest.mark.parametrize('streamed', [False, True], ids=['whole', 'streamed'])
def test_a_failing_call_is_reported_to_the_model_as_the_tool_result(
    ollama_emulator: EmulatorURL, transport: str, call: Tuple[str, Dict[str, Any]], error: str, streamed: bool
) -> None:
    ollama_emulator.emulator.reply(Reply.tool_calls([call, ('add', {'a': 2, 'b': 2})]), Reply.text('Sorry.'))
    tools = [explode, add, fail, fail_quietly]
    if streamed:
        items, run = stream_tools(transport, ollama_emulator, [QUESTION], tools)
        assert [i.call for i in items if isinstance(i, ToolResultEvent)] == run.calls
    else:
        run = run_tools(transport, ollama_emulator, [QUESTION], tools)

    failed, fine = run.calls
    assert (failed.ok, failed.error, failed.content, failed.result) == (False, error, f'Error: {error}', None)
    assert (failed.exception is not None) == ('raised' in error)
    assert (fine.ok, fine.content) == (True, '4')
    sent = chat_bodies(ollama_emulator)[-1]['messages']
    assert [(m['role'], m.get('tool_name'), m['content']) for m in sent[2:]] == [
        ('tool', call[0], f'Error: {error}'),
        ('tool', 'add', '4'),
    ]
    assert [m['tool_call_id'] for m in sent[2:]] == ids_of(run, 0)
    assert run.final.message.content == 'Sorry.'


def fail() -> None:
    """Fails with a KeyError."""
    raise KeyError('missing')


def fail_quietly() -> None:
    """Fails without a message."""
    raise RuntimeError


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_on_error_raise_raises_with_the_run_and_sends_nothing_more(
    ollama_emulator: EmulatorURL, transport: str
) -> None:
    ollama_emulator.emulator.reply(Reply.tool_calls([('add', {'a': 1, 'b': 1}), ('explode', {'reason': 'hail'})]))
    with pytest.raises(ToolCallError) as caught:
        run_tools(transport, ollama_emulator, [QUESTION], [explode, add], on_error='raise')

    error = caught.value
    assert isinstance(error, ollama.ToolRunError)
    assert str(error) == "tool call explode(reason='hail') failed: explode raised Boom: no luck with hail"
    assert isinstance(error.__cause__, Boom)
    assert error.call.name == 'explode'
    assert [c.name for c in error.run.calls] == ['add', 'explode']
    assert error.run.messages[-1].role == 'assistant'
    assert len(chat_bodies(ollama_emulator)) == 1


def test_a_streamed_run_with_on_error_raise_yields_the_results_then_raises(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.tool_calls([('add', {'a': 1, 'b': 1}), ('explode', {'reason': 'fog'})]))
    items: List[Any] = []
    with ollama.Client(ollama_emulator) as client:
        stream = client.run_tools('llama3.2', [QUESTION], [explode, add], stream=True, on_error='raise')
        with pytest.raises(ToolCallError) as caught:
            items.extend(stream)
    results = [i.call for i in items if isinstance(i, ToolResultEvent)]
    assert [(r.name, r.ok) for r in results] == [('add', True), ('explode', False)]
    assert caught.value.run is stream.run
    assert len(chat_bodies(ollama_emulator)) == 1


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_on_error_raise_one_at_a_time_stops_at_the_failing_call(ollama_emulator: EmulatorURL, transport: str) -> None:
    ran: List[int] = []

    def record(n: int) -> int:
        """Record n."""
        ran.append(n)
        return n

    ollama_emulator.emulator.reply(
        Reply.tool_calls([('record', {'n': 1}), ('record', {'n': 'x'}), ('record', {'n': 3})])
    )
    with pytest.raises(ToolCallError) as caught:
        run_tools(transport, ollama_emulator, [QUESTION], [record], on_error='raise', parallel=False)
    assert ran == [1]
    assert [c.ok for c in caught.value.run.calls] == [True, False]
    assert caught.value.__cause__ is None  # nothing raised: the arguments were refused


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_max_rounds_raises_with_the_rounds_so_far(ollama_emulator: EmulatorURL, transport: str) -> None:
    ollama_emulator.emulator.reply(*[Reply.tool_call('add', {'a': i, 'b': 1}) for i in range(3)])
    with pytest.raises(MaxRoundsError) as caught:
        run_tools(transport, ollama_emulator, [QUESTION], [add], max_rounds=2)

    run = caught.value.run
    assert caught.value.max_rounds == 2
    assert 'after 2 rounds' in str(caught.value)
    assert len(run) == 2
    assert [c.result for c in run.calls] == [1]  # the last reply's call is not run: nobody would read it
    assert run.messages[-1].tool_calls is not None
    assert len(chat_bodies(ollama_emulator)) == 2
    assert ollama_emulator.emulator.pending_replies == 1


# --- Results ---------------------------------------------------------------------------------------------


class Sky(enum.Enum):
    SUNNY = 'sunny'


@dataclass
class Forecast:
    sky: Sky
    on: date
    temperatures: List[float]


RESULTS = {
    'text': ('plain text', 'plain text'),
    'dict': ({'a': [1, None], 'é': True}, '{"a": [1, null], "é": true}'),
    'dataclass': (
        Forecast(Sky.SUNNY, date(2026, 12, 1), [1.5]),
        '{"sky": "sunny", "on": "2026-12-01", "temperatures": [1.5]}',
    ),
    'none': (None, 'null'),
    'number': (2.5, '2.5'),
    'set': ({3, 1}, '[1, 3]'),
    'a-model-reply': (ollama.Message(role='user', content='hi'), '{"role": "user", "content": "hi"}'),
}


@pytest.mark.parametrize('kind', sorted(RESULTS))
def test_a_result_that_is_not_a_string_is_sent_as_json(ollama_emulator: EmulatorURL, kind: str) -> None:
    value, sent = RESULTS[kind]

    def produce() -> Any:
        """Produce the value."""
        return value

    ollama_emulator.emulator.reply(Reply.tool_call('produce'), Reply.text('ok'))
    run = run_tools('sync', ollama_emulator, [QUESTION], [produce])
    assert run.calls[0].content == sent
    assert chat_bodies(ollama_emulator)[-1]['messages'][-1]['content'] == sent


def test_a_pydantic_model_result_is_sent_as_its_json(ollama_emulator: EmulatorURL) -> None:
    pydantic = pytest.importorskip('pydantic')

    class Reading(pydantic.BaseModel):  # type: ignore[name-defined,misc]
        on: date
        value: float

    def read() -> Any:
        """Read the meter."""
        return Reading(on=date(2026, 1, 2), value=1)

    ollama_emulator.emulator.reply(Reply.tool_call('read'), Reply.text('ok'))
    assert (
        run_tools('sync', ollama_emulator, [QUESTION], [read]).calls[0].content == '{"on": "2026-01-02", "value": 1.0}'
    )


def test_a_result_that_cannot_be_json_is_a_failed_call(ollama_emulator: EmulatorURL) -> None:
    def produce() -> Any:
        """Produce something unsendable."""
        return object()

    ollama_emulator.emulator.reply(Reply.tool_call('produce'), Reply.text('ok'))
    call = run_tools('sync', ollama_emulator, [QUESTION], [produce]).calls[0]
    assert call.error == 'produce returned a object that cannot be sent as JSON: object is not JSON serialisable'
    assert call.content.startswith('Error: produce returned')
    assert isinstance(call.result, object) and call.result is not None


# --- Chat options, format ------------------------------------------------------------------------------


@dataclass
class Answer:
    city: str
    temperature: int


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_chat_options_go_with_every_round_and_the_answer_is_parsed(
    ollama_emulator: EmulatorURL, transport: str
) -> None:
    ollama_emulator.emulator.reply(
        Reply.tool_call('get_weather', {'city': 'Paris'}, thinking='Look it up.'),
        Reply.structured({'city': 'Paris', 'temperature': 21}, thinking='Now answer.'),
    )
    with ollama.Client(ollama_emulator) as client:
        run = client.run_tools(
            'qwen3', [QUESTION], [get_weather], think=True, format=Answer, options={'temperature': 0},
            keep_alive='5m',
        ) if transport == 'sync' else run_async(_async_options_run(ollama_emulator))  # fmt: skip

    assert run.parsed == Answer('Paris', 21)
    for body in chat_bodies(ollama_emulator):
        assert (body['model'], body['think'], body['options'], body['keep_alive']) == (
            'qwen3',
            True,
            {'temperature': 0},
            '5m',
        )
        assert body['format']['required'] == ['city', 'temperature']
    assert [m.thinking for m in run.messages if m.role == 'assistant'] == ['Look it up.', 'Now answer.']
    assert chat_bodies(ollama_emulator)[1]['messages'][1]['thinking'] == 'Look it up.'


async def _async_options_run(url: str) -> ToolRun:
    async with ollama.AsyncClient(url) as client:
        return await client.run_tools(
            'qwen3', [QUESTION], [get_weather], think=True, format=Answer, options={'temperature': 0},
            keep_alive='5m',
        )  # fmt: skip


def test_parsed_is_none_without_a_format_type(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('{"city": "Paris"}'))
    assert run_tools('sync', ollama_emulator, [QUESTION], [add], format='json').parsed is None


# --- Streaming --------------------------------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_a_streamed_run_yields_chunks_and_tool_events_and_sends_the_same_history(
    ollama_emulator: EmulatorURL, transport: str
) -> None:
    ollama_emulator.emulator.reply(
        Reply.tool_calls(
            [('get_weather', {'city': 'Paris', 'days': '2'}), ('add', {'a': 1, 'b': 2})], thinking='Two tools.'
        ),
        Reply.text('Sunny, and 3.', thinking='Done.'),
    )
    items, run = stream_tools(transport, ollama_emulator, [QUESTION], [get_weather, add])

    kinds = [type(item).__name__ for item in items]
    first_event = kinds.index('ToolCallEvent')
    assert kinds[first_event : first_event + 4] == [
        'ToolCallEvent',
        'ToolCallEvent',
        'ToolResultEvent',
        'ToolResultEvent',
    ]
    assert all(k == 'ChatResponse' for k in kinds[:first_event] + kinds[first_event + 4 :])
    events = items[first_event : first_event + 4]
    assert events[:2] == [
        ToolCallEvent('get_weather', {'city': 'Paris', 'days': '2'}, ids_of(run, 0)[0], 0),
        ToolCallEvent('add', {'a': 1, 'b': 2}, ids_of(run, 0)[1], 0),
    ]
    assert [e.call.content for e in events[2:]] == [WEATHER_RESULT, '3']
    after = [i.message for i in items[first_event + 4 :] if isinstance(i, ChatResponse)]
    assert ''.join(m.thinking or '' for m in after) == 'Done.'
    assert ''.join(m.content or '' for m in after) == 'Sunny, and 3.'

    # The streamed reply goes back whole, as it would have come unstreamed.
    assert chat_bodies(ollama_emulator)[1]['messages'] == expected_history(run, thinking='Two tools.')
    assert all(body['stream'] is True for body in chat_bodies(ollama_emulator))
    assert run.final.done is True
    assert (run.final.message.content, run.final.message.thinking) == ('Sunny, and 3.', 'Done.')
    assert len(run) == 2 and len(run.calls) == 2


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_a_streamed_run_sends_its_first_request_at_the_call(ollama_emulator: EmulatorURL, transport: str) -> None:
    # As chat(stream=True): an error such as an unknown model raises at the call, not at the first chunk.
    ollama_emulator.emulator.reply(Reply.error('model "nope" not found', status=404))
    with pytest.raises(ollama.ResponseError) as caught:
        if transport == 'sync':
            with ollama.Client(ollama_emulator) as client:
                client.run_tools('nope', [QUESTION], [add], stream=True)
        else:

            async def call() -> None:
                async with ollama.AsyncClient(ollama_emulator) as client:
                    await client.run_tools('nope', [QUESTION], [add], stream=True)

            run_async(call())
    assert caught.value.status_code == 404


def wait_for_disconnect(url: EmulatorURL) -> None:
    deadline = time.monotonic() + WAIT
    while not url.emulator.requests[-1].client_disconnected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert url.emulator.requests[-1].client_disconnected


LONG = ' '.join(f'word{i}' for i in range(400))


def test_closing_a_streamed_run_before_iterating_closes_the_first_reply(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text(LONG).paced(0.01))
    with ollama.Client(ollama_emulator) as client:
        stream = client.run_tools('llama3.2', [QUESTION], [add], stream=True)
        with pytest.raises(LookupError, match='no complete reply yet'):
            stream.run.final  # noqa: B018
        stream.close()
        wait_for_disconnect(ollama_emulator)
        assert next(stream, None) is None


async def test_closing_an_async_streamed_run_before_iterating_closes_the_first_reply(
    async_ollama_emulator: EmulatorURL,
) -> None:
    async_ollama_emulator.emulator.reply(Reply.text(LONG).paced(0.01))
    async with ollama.AsyncClient(async_ollama_emulator) as client:
        async with await client.run_tools('llama3.2', [QUESTION], [add], stream=True):
            pass
        deadline = time.monotonic() + WAIT
        while not async_ollama_emulator.emulator.requests[-1].client_disconnected and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert async_ollama_emulator.emulator.requests[-1].client_disconnected


def test_closing_a_streamed_run_closes_the_current_reply(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 1, 'b': 2}), Reply.text(LONG).paced(0.01))
    with ollama.Client(ollama_emulator) as client:
        with client.run_tools('llama3.2', [QUESTION], [add], stream=True) as stream:
            for item in stream:
                if isinstance(item, ChatResponse) and item.message.content == ' word1':
                    break
        assert len(chat_bodies(ollama_emulator)) == 2
        wait_for_disconnect(ollama_emulator)
        assert next(stream, None) is None  # the run is over


async def test_closing_an_async_streamed_run_closes_the_current_reply(async_ollama_emulator: EmulatorURL) -> None:
    async_ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 1, 'b': 2}), Reply.text(LONG).paced(0.01))
    async with ollama.AsyncClient(async_ollama_emulator) as client:
        stream = await client.run_tools('llama3.2', [QUESTION], [add], stream=True)
        async for item in stream:
            if isinstance(item, ChatResponse) and item.message.content == ' word1':
                break
        await stream.aclose()
        deadline = time.monotonic() + WAIT
        while not async_ollama_emulator.emulator.requests[-1].client_disconnected and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert async_ollama_emulator.emulator.requests[-1].client_disconnected
        assert len(chat_bodies(async_ollama_emulator)) == 2


async def test_cancelling_the_task_that_iterates_closes_the_current_reply(async_ollama_emulator: EmulatorURL) -> None:
    async_ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 1, 'b': 2}), Reply.text(LONG).paced(0.01))
    reading = asyncio.Event()

    async def consume(client: ollama.AsyncClient) -> None:
        async for item in await client.run_tools('llama3.2', [QUESTION], [add], stream=True):
            if isinstance(item, ChatResponse) and item.message.content == ' word1':
                reading.set()

    async with ollama.AsyncClient(async_ollama_emulator) as client:
        task = asyncio.ensure_future(consume(client))
        await asyncio.wait_for(reading.wait(), WAIT)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        deadline = time.monotonic() + WAIT
        while not async_ollama_emulator.emulator.requests[-1].client_disconnected and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert async_ollama_emulator.emulator.requests[-1].client_disconnected


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_a_streamed_run_raises_max_rounds_after_its_chunks(ollama_emulator: EmulatorURL, transport: str) -> None:
    ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 1, 'b': 2}))
    with pytest.raises(MaxRoundsError) as caught:
        stream_tools(transport, ollama_emulator, [QUESTION], [add], max_rounds=1)
    assert len(caught.value.run) == 1 and caught.value.run.calls == []


# --- Running calls together ----------------------------------------------------------------------------


def test_async_calls_of_one_reply_run_together_and_answer_in_the_models_order(
    ollama_emulator: EmulatorURL,
) -> None:
    # first cannot finish before second has finished, and second cannot start before first has: only calls
    # that overlap get through, and second's result still goes back after first's.
    finished: List[str] = []

    async def main() -> ToolRun:
        first_started, second_done = asyncio.Event(), asyncio.Event()

        async def first() -> str:
            """First."""
            first_started.set()
            await asyncio.wait_for(second_done.wait(), WAIT)
            finished.append('first')
            return 'one'

        async def second() -> str:
            """Second."""
            await asyncio.wait_for(first_started.wait(), WAIT)
            second_done.set()
            finished.append('second')
            return 'two'

        async with ollama.AsyncClient(ollama_emulator) as client:
            return await client.run_tools('llama3.2', [QUESTION], [first, second], on_error='raise')

    ollama_emulator.emulator.reply(Reply.tool_calls([('first', {}), ('second', {})]), Reply.text('ok'))
    run = run_async(main())
    assert finished == ['second', 'first']
    sent = chat_bodies(ollama_emulator)[-1]['messages']
    assert [(m['tool_name'], m['content']) for m in sent[2:]] == [('first', 'one'), ('second', 'two')]
    assert [c.name for c in run.calls] == ['first', 'second']


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_plain_functions_of_one_reply_run_together_in_threads(ollama_emulator: EmulatorURL, transport: str) -> None:
    # Both wait at a barrier for two: it only opens if the two calls run at the same time.
    barrier = threading.Barrier(2, timeout=WAIT)
    threads = set()

    def meet(who: str) -> str:
        """Meet."""
        threads.add(threading.get_ident())
        barrier.wait()
        return who

    ollama_emulator.emulator.reply(Reply.tool_calls([('meet', {'who': 'a'}), ('meet', {'who': 'b'})]), Reply.text('ok'))
    run = run_tools(transport, ollama_emulator, [QUESTION], [meet], on_error='raise')
    assert [c.content for c in run.calls] == ['a', 'b']
    assert threading.get_ident() not in threads


@pytest.mark.parametrize(('parallel', 'in_callers_thread'), [(True, False), (False, True)])
def test_with_client_a_single_call_runs_where_several_would(
    ollama_emulator: EmulatorURL, parallel: bool, in_callers_thread: bool
) -> None:
    def where() -> bool:
        """Whether this runs in the test's thread."""
        return threading.get_ident() == caller

    caller = threading.get_ident()
    ollama_emulator.emulator.reply(Reply.tool_call('where'), Reply.text('ok'))
    run = run_tools('sync', ollama_emulator, [QUESTION], [where], parallel=parallel)
    assert run.calls[0].result is in_callers_thread


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_parallel_false_runs_the_calls_one_at_a_time(ollama_emulator: EmulatorURL, transport: str) -> None:
    running = []
    overlapped = []

    def work(n: int) -> int:
        """Work."""
        overlapped.append(bool(running))
        running.append(n)
        time.sleep(0.01)  # room for another call to start, were calls run together
        running.remove(n)
        return n

    ollama_emulator.emulator.reply(Reply.tool_calls([('work', {'n': i}) for i in range(3)]), Reply.text('ok'))
    run = run_tools(transport, ollama_emulator, [QUESTION], [work], parallel=False)
    assert [c.result for c in run.calls] == [0, 1, 2]
    assert overlapped == [False, False, False]


REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar('REQUEST_ID', default='none')


@pytest.mark.parametrize('transport', TRANSPORTS)
def test_functions_see_the_callers_context_variables(ollama_emulator: EmulatorURL, transport: str) -> None:
    def whoami() -> str:
        """Which request this is."""
        return REQUEST_ID.get()

    ollama_emulator.emulator.reply(Reply.tool_calls([('whoami', {}), ('whoami', {})]), Reply.text('ok'))
    REQUEST_ID.set('req-7')
    run = run_tools(transport, ollama_emulator, [QUESTION], [whoami])
    assert [c.content for c in run.calls] == ['req-7', 'req-7']
    assert len({c.id for c in run.calls}) == 2  # the same call twice in one reply: two ids, two results


def test_async_and_plain_functions_mix(ollama_emulator: EmulatorURL) -> None:
    async def double(n: int) -> int:
        """Double n."""
        await asyncio.sleep(0)
        return 2 * n

    ollama_emulator.emulator.reply(
        Reply.tool_calls([('double', {'n': '4'}), ('add', {'a': 1, 'b': 2})]), Reply.text('ok')
    )
    run = run_tools('async', ollama_emulator, [QUESTION], [double, add])
    assert [c.content for c in run.calls] == ['8', '3']


# --- Ways to give tools, and what is refused ----------------------------------------------------------


def test_tools_given_as_pairs_and_as_a_mapping(ollama_emulator: EmulatorURL) -> None:
    described = Tool(
        function=Tool.Function(
            name='lookup',
            description='Look a word up.',
            parameters=Tool.Function.Parameters(
                properties={'word': Tool.Function.Parameters.Property(type='string')}, required=['word']
            ),
        )
    )
    as_dict = {
        'type': 'function',
        'function': {'name': 'count', 'parameters': {'type': 'object', 'properties': {'n': {'type': 'integer'}}}},
    }
    ollama_emulator.emulator.reply(
        Reply.tool_calls([('lookup', {'word': 'sky'}), ('count', {'n': '2'})]),
        Reply.text('ok'),
        Reply.tool_call('plus', {'a': 1, 'b': 2}),
        Reply.text('ok'),
    )
    run = run_tools(
        'sync', ollama_emulator, [QUESTION], [(described, lambda word: word.upper()), (as_dict, lambda n: n * 10)]
    )
    assert [c.content for c in run.calls] == ['SKY', '20']
    assert chat_bodies(ollama_emulator)[0]['tools'] == [described.to_dict(), as_dict]

    run = run_tools('sync', ollama_emulator, [QUESTION], {'plus': add})
    assert run.calls[0].content == '3'
    assert chat_bodies(ollama_emulator)[-1]['tools'][0]['function']['name'] == 'plus'


async def some_coroutine() -> None:
    """A coroutine function."""


@pytest.mark.parametrize(
    ('tools', 'kwargs', 'message'),
    [
        ([Tool(function=Tool.Function(name='x'))], {}, 'run_tools needs a function to call for each tool'),
        ([{'type': 'function', 'function': {'name': 'x'}}], {}, 'run_tools needs a function to call'),
        ([add, {'plus': add}['plus']], {}, "two tools are named 'add'"),
        ([({'function': {}}, add)], {}, 'has no function name'),
        ([(Tool(function=Tool.Function(name='x')), 'not callable')], {}, 'must be callable'),
        ([42], {}, 'a tool must be a function or a (tool, function) pair, not int'),
        ('add', {}, 'tools must be a list or a mapping'),
        ({'plus': (Tool(function=Tool.Function(name='add')), add)}, {}, "tools['plus'] must be a function, not tuple"),
        ({'': add}, {}, "a tool name must be a non-empty string, not ''"),
        ([add], {'max_rounds': 0}, 'max_rounds must be a whole number of at least 1, got 0'),
        ([add], {'on_error': 'ignore'}, "on_error must be 'report' or 'raise', got 'ignore'"),
        ([some_coroutine], {}, "tool 'some_coroutine' is a coroutine function: run it with AsyncClient.run_tools"),
    ],
)
def test_what_cannot_run_is_refused_before_anything_is_sent(
    ollama_emulator: EmulatorURL, tools: Any, kwargs: Dict[str, Any], message: str
) -> None:
    with ollama.Client(ollama_emulator) as client, pytest.raises(RequestError) as caught:
        client.run_tools('llama3.2', [QUESTION], tools, **kwargs)
    assert message in str(caught.value)
    assert chat_bodies(ollama_emulator) == []


def test_an_unknown_chat_option_is_a_type_error(ollama_emulator: EmulatorURL) -> None:
    client = ollama.Client(ollama_emulator)
    with pytest.raises(TypeError, match="unexpected keyword argument 'temprature'"):
        client.run_tools('llama3.2', [QUESTION], [add], temprature=0)  # type: ignore[call-overload]
    with pytest.raises(RequestError, match='not a single message'):
        client.run_tools('llama3.2', QUESTION, [add])  # type: ignore[arg-type]
    client.close()
    assert chat_bodies(ollama_emulator) == []


def test_the_module_level_function_uses_the_default_client(
    ollama_emulator: EmulatorURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('OLLAMA_HOST', ollama_emulator)
    monkeypatch.setattr(ollama, '_default_client', None)
    ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 2, 'b': 3}), Reply.text('5'))
    run = ollama.run_tools('llama3.2', [QUESTION], [add])
    assert (run.calls[0].content, run.final.message.content) == ('5', '5')
    ollama._default_client.close()  # type: ignore[union-attr]


def test_the_runner_loads_on_first_use_not_with_the_package() -> None:
    code = (
        'import sys, ollama_lite; loaded = [m for m in sys.modules if "_tool" in m or m == "asyncio"]; '
        'ollama_lite.ToolRun; ollama_lite.Client().run_tools; print(loaded, "ollama_lite._tool_runner" in sys.modules)'
    )
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == '[] True'


def test_the_package_exports_every_class_of_the_runner() -> None:
    # ollama_lite lists the runner's names itself, to load the runner only on first use: they must agree.
    from ollama_lite import _tool_runner, _tool_runner_async

    modules = (_tool_runner, _tool_runner_async)
    classes = {n: getattr(m, n) for m in modules for n in m.__all__ if isinstance(getattr(m, n), type)}
    assert classes and set(classes) <= set(ollama.__all__)
    assert all(getattr(ollama, name) is cls for name, cls in classes.items())
