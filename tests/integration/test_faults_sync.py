"""The fault table (tests/fault_cases.py) driven against the sync Client and the misbehaving server."""

from __future__ import annotations

import threading
import time
import tracemalloc
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
import requests
import urllib3

import ollama_lite as ollama
from tests._faults import DROP, FaultServer, endless, ndjson, stall
from tests.fault_cases import (
    BLOB,
    BLOB_REPLIES,
    CALLS,
    FAULTS,
    MESSAGES,
    SECRET,
    Fault,
    arm,
    chat_line,
    gzip_bomb,
    gzip_reply,
    gzip_stream,
    host_for,
    verify,
    verify_blob_upload,
)


@pytest.mark.parametrize('fault', FAULTS, ids=[f.id for f in FAULTS])
def test_fault(
    fault: Fault,
    fault_servers: Tuple[FaultServer, FaultServer],
    refused: int,
    stalled: Optional[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, other = fault_servers
    arm(fault, server, other)
    monkeypatch.setenv('OLLAMA_API_KEY', SECRET)
    call = CALLS[fault.call]
    got: List[str] = []
    waits: List[float] = []
    error: Optional[BaseException] = None
    with ollama.Client(host_for(fault, server, refused, stalled), **fault.client) as client:
        client._sleep = waits.append  # the policy's waits are recorded, not slept
        started = time.monotonic()
        try:
            result = call.invoke(client)
            if call.stream:
                with result:
                    for chunk in result:
                        got.append(call.text(chunk))
            else:
                got.append(call.text(result))
        except Exception as exc:
            error = exc
        elapsed = time.monotonic() - started
    verify(fault, server, other, got=got, error=error, waits=waits, elapsed=elapsed)


def test_retried_blob_upload_sends_the_whole_file_again(
    fault_servers: Tuple[FaultServer, FaultServer], tmp_path: Path
) -> None:
    server, _ = fault_servers
    path = tmp_path / 'model.gguf'
    path.write_bytes(BLOB)
    server.script(*BLOB_REPLIES)
    waits: List[float] = []
    with ollama.Client(server.url) as client:
        client._sleep = waits.append
        digest = client.create_blob(path)
    verify_blob_upload(server, digest, waits)


@pytest.mark.parametrize('call', ['create', 'chat'])
def test_a_callers_urllib3_retries_do_not_resend_a_post(
    fault_servers: Tuple[FaultServer, FaultServer], call: str
) -> None:
    # urllib3 resends on a read error only the methods of Retry.allowed_methods, which leaves POST out.
    server, _ = fault_servers
    server.script(then=DROP)
    session = requests.Session()
    session.mount('http://', requests.adapters.HTTPAdapter(max_retries=urllib3.Retry(total=3, read=3)))
    with session, ollama.Client(server.url, session=session) as client:
        client._sleep = lambda _: None
        with pytest.raises(ollama.ConnectError, match='closed the connection without replying'):
            CALLS[call].invoke(client)
    assert len(server.requests) == 1


@pytest.mark.parametrize('own_session', [True, False])
def test_close_closes_the_streams_still_open(fault_servers: Tuple[FaultServer, FaultServer], own_session: bool) -> None:
    server, _ = fault_servers
    server.script(endless(ndjson(chat_line('x'))[0]))
    session = None if own_session else requests.Session()
    client = ollama.Client(server.url, session=session)
    stream = client.chat('m', MESSAGES, stream=True)
    assert next(stream).message.content == 'x'
    client.close()
    assert server.wait_disconnect(5) is not None  # the server saw the client leave
    assert list(stream) == []
    if session is not None:
        session.close()


def test_close_wakes_a_thread_blocked_reading_a_stream(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(stall(ndjson(chat_line('x')), 10))
    client = ollama.Client(server.url)
    stream = client.chat('m', MESSAGES, stream=True)
    errors: List[BaseException] = []
    first = threading.Event()

    def read() -> None:
        try:
            for _ in stream:
                first.set()  # then the next read blocks on the stalled stream
        except Exception as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    assert first.wait(5)
    client.close()
    reader.join(5)
    assert not reader.is_alive()
    assert server.wait_disconnect(5) is not None
    # Closed while blocked in a read, the stream raises; closed between two reads, it just ends.
    assert all(isinstance(e, ollama.IncompleteStreamError) for e in errors), errors


@pytest.mark.parametrize('stream', [False, True])
def test_a_gzip_bomb_never_grows_memory_past_the_limit(
    fault_servers: Tuple[FaultServer, FaultServer], stream: bool
) -> None:
    # 64 MiB once decompressed; with max_reply_bytes=1 MiB, no more than a few MiB are ever held.
    server, _ = fault_servers
    server.script(gzip_stream([], tail=gzip_bomb()) if stream else gzip_reply(gzip_bomb()))
    with ollama.Client(server.url, max_reply_bytes=1 << 20) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ollama.ReplyTooLargeError):
                result = client.chat('m', MESSAGES, stream=stream)
                if stream:
                    list(result)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8 << 20, f'{peak / (1 << 20):.1f} MiB held at the peak'
