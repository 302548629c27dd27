"""Property-based fuzzing of the emulator from Ollama's OpenAPI spec, with schemathesis, on 127.0.0.1.

Schemathesis generates requests for every operation, valid ones and deliberately broken ones, within a small
bound of examples (derandomized, so the ordinary test command stays quick and repeatable). Each answer must be
what Ollama answers: no 5xx beyond the server's own (listed once in ``SERVER_500S``), a 200 that fits its schema
line by line, and every refusal a 4xx with ``{"error": "..."}``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterator

import pytest

from ollama_lite.testing import Emulator, EmulatorURL

from . import _oracle

# Not pytest.importorskip at module level: with pytest-asyncio 0.23 a skip raised while the module is imported
# for its collection hook is an internal error of pytest, not a skip.
try:
    import hypothesis
    import schemathesis
except ImportError:  # schemathesis 4 is installed only on Python 3.9 and later (setup.cfg)
    schemathesis = None

#: Examples per operation: enough for both kinds of input on 12 operations within seconds.
EXAMPLES = int(os.environ.get('OLLAMA_LITE_FUZZ_EXAMPLES', '25'))

#: The 500s today's server answers itself, to input that is well-formed JSON (server/routes.go):
SERVER_500S = (
    # waitForStream answers a failed pull with 500 when not streaming; a name ollama.com lacks fails so.
    'pull model manifest: file does not exist',
    # Options.FromMap fails inside scheduleRunner, and handleScheduleError answers that with a 500.
    'option "',
)


@pytest.fixture(scope='module')
def emulator() -> Iterator[EmulatorURL]:
    with Emulator().running() as url:
        yield url


def _content_type(response: Any) -> str:
    # schemathesis' own Response keeps lists of lower-cased header values; a requests.Response, plain ones.
    headers = {k.lower(): v for k, v in dict(response.headers).items()}
    value = headers.get('content-type', '')
    return str(value[0] if isinstance(value, list) else value).split(';')[0]


def _check(case: Any, response: Any) -> None:
    status = response.status_code
    media_type = _content_type(response)
    where = f'{case.method} {case.path} {case.body!r:.300} -> {status} {response.text[:300]!r}'
    if status == 405:  # another method on a known path: gin's router answers, in plain text, before any handler
        assert (media_type, response.text) == ('text/plain', '405 method not allowed'), where
        return
    if status >= 400:
        assert media_type == 'application/json', where
        body = response.json()
        _oracle.check('#/components/schemas/ErrorResponse', body)
        assert isinstance(body.get('error'), str) and body['error'], where
        if status >= 500:
            assert status == 500 and body['error'].startswith(SERVER_500S), where
        else:
            assert status in (400, 401, 403, 404, 413), where
        return
    assert status == 200, where
    if media_type == 'application/x-ndjson':
        line_schema = _oracle.reply_schema(case.method, case.path, media_type)
        assert line_schema is not None, where
        lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if 'error' in line:  # a failure after the stream began: the last line, as Ollama ends it
                assert index == len(lines) - 1 and isinstance(line['error'], str), where
                _oracle.check('#/components/schemas/ErrorResponse', line)
            else:
                _oracle.check(line_schema, line)
        return
    reply_schema = _oracle.reply_schema(case.method, case.path)
    if reply_schema is None:
        assert response.content == b'', where
        return
    assert media_type == 'application/json', where
    _oracle.check(reply_schema, response.json())


if schemathesis is None:

    @pytest.mark.skip(reason='schemathesis 4 needs Python 3.9 or newer; setup.cfg installs it only there')
    def test_the_emulator_answers_what_the_spec_and_the_server_say() -> None:
        """Skipped where schemathesis cannot be installed."""

else:
    schema = schemathesis.openapi.from_dict(_oracle.corrected_spec())

    @schema.parametrize()
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    def test_the_emulator_answers_what_the_spec_and_the_server_say(case: Any, emulator: EmulatorURL) -> None:
        emulator.emulator.reset()
        _check(case, case.call(base_url=str(emulator), timeout=30))
