"""Images: paths, bytes, base64 text and ``Image`` all reach the server as base64, checked before sending."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
import responses

import ollama_lite as ollama
from ollama_lite._images import encode_image, encode_images
from tests._mocks import aiohttp_mock
from tests.unit._roundtrip import HOST, TRANSPORTS, roundtrip

PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR'
PNG_B64 = base64.b64encode(PNG).decode()
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF'
JPEG_B64 = base64.b64encode(JPEG).decode()


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / 'cat.png'
    path.write_bytes(PNG)
    return path


# --- One image ------------------------------------------------------------------------------------


@pytest.mark.parametrize('data', [PNG, bytearray(PNG), memoryview(PNG)], ids=['bytes', 'bytearray', 'memoryview'])
def test_raw_bytes_become_base64(data: Any) -> None:
    assert encode_image(data) == PNG_B64


def test_files_are_read(png: Path) -> None:
    assert encode_image(png) == PNG_B64
    assert encode_image(str(png)) == PNG_B64
    assert encode_image(ollama.Image(png)) == PNG_B64
    assert encode_image(ollama.Image(str(png))) == PNG_B64


def test_home_directory_is_expanded(png: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('HOME', str(png.parent))
    monkeypatch.setenv('USERPROFILE', str(png.parent))
    assert encode_image('~/cat.png') == PNG_B64
    assert encode_image(Path('~/cat.png')) == PNG_B64


@pytest.mark.parametrize(
    ('text', 'sent'),
    [
        (PNG_B64, PNG_B64),
        (f'{PNG_B64[:8]}\n{PNG_B64[8:]}\n', PNG_B64),
        (f'data:image/png;base64,{PNG_B64}', PNG_B64),
        (f'  DATA:image/jpeg;charset=utf-8;base64,{JPEG_B64}', JPEG_B64),
    ],
    ids=['plain', 'wrapped-lines', 'data-url', 'data-url-params'],
)
def test_base64_text_is_sent_compact(text: str, sent: str) -> None:
    assert encode_image(text) == sent
    assert encode_image(ollama.Image(text)) == sent


def test_long_base64_text_is_not_taken_for_a_path() -> None:
    big = base64.b64encode(bytes(range(256)) * 400).decode()
    assert encode_image(big) == big


@pytest.mark.parametrize(
    'value',
    ['photos/missing.png', 'missing.JPG', 'x.jpeg', 'x.webp', Path('missing.gif'), ollama.Image('gone.png')],
    ids=str,
)
def test_missing_image_file_is_named(value: Any) -> None:
    name = str(value.value if isinstance(value, ollama.Image) else value)
    with pytest.raises(FileNotFoundError) as info:
        encode_image(value)
    assert repr(name) in str(info.value)
    assert 'does not exist' in str(info.value)


def test_missing_path_object_without_image_suffix_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='does not exist') as info:
        encode_image(tmp_path / 'scan')
    assert str(tmp_path / 'scan') in str(info.value)


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match='is a directory'):
        encode_image(tmp_path)


@pytest.mark.parametrize(
    ('value', 'match'),
    [
        ('not an image!', 'invalid image data'),
        ('abc', 'invalid image data'),
        ('', 'invalid image data'),
        ('   ', 'invalid image data'),
        (b'', 'empty bytes'),
    ],
    ids=['words', 'bad-padding', 'empty', 'blank', 'empty-bytes'],
)
def test_invalid_data_raises_value_error(value: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        encode_image(value)


def test_empty_file_raises_value_error(tmp_path: Path) -> None:
    empty = tmp_path / 'empty.png'
    empty.touch()
    with pytest.raises(ValueError, match='is empty'):
        encode_image(empty)


@pytest.mark.parametrize('value', [3, None, ['a'], {'path': 'x.png'}])
def test_other_types_raise_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match='an image must be a path, bytes, base64 text'):
        encode_image(value)


@pytest.mark.parametrize(
    'value', [PNG_B64, PNG, Path('x.png'), ollama.Image(PNG)], ids=['str', 'bytes', 'Path', 'Image']
)
def test_a_single_image_is_not_a_list(value: Any) -> None:
    with pytest.raises(TypeError, match=r'wrap it as \[image\]'):
        encode_images(value)


# --- What reaches the server ------------------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_generate_images_of_every_kind(transport: str, png: Path) -> None:
    images = [png, str(png), PNG, PNG_B64, ollama.Image(JPEG), ollama.Image(png), f'data:image/png;base64,{PNG_B64}']
    _, body = await roundtrip(
        transport, lambda c: c.generate('llava', 'What is this?', images=images), path='/api/generate'
    )
    assert body == {
        'model': 'llava',
        'prompt': 'What is this?',
        'images': [PNG_B64, PNG_B64, PNG_B64, PNG_B64, JPEG_B64, PNG_B64, PNG_B64],
        'stream': False,
    }


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_chat_message_images_of_every_kind(transport: str, png: Path) -> None:
    as_dict: Dict[str, Any] = {'role': 'user', 'content': 'Compare', 'images': [png, JPEG]}
    as_message = ollama.Message(role='user', content='And this', images=[ollama.Image(PNG_B64), str(png)])
    _, body = await roundtrip(transport, lambda c: c.chat('llava', [as_dict, as_message]))
    assert body is not None
    assert body['messages'] == [
        {'role': 'user', 'content': 'Compare', 'images': [PNG_B64, JPEG_B64]},
        {'role': 'user', 'content': 'And this', 'images': [PNG_B64, PNG_B64]},
    ]
    # The caller's messages keep the images as they gave them, ready for the next turn.
    assert as_dict['images'] == [png, JPEG]
    assert as_message.images == [ollama.Image(PNG_B64), str(png)]


@pytest.mark.parametrize(
    ('images', 'error', 'match'),
    [
        (['nope/cat.png'], FileNotFoundError, r"messages\[1\]\.images: image file 'nope/cat\.png' does not exist"),
        (['%%%'], ValueError, r"messages\[1\]\.images: invalid image data '%%%'"),
    ],
)
def test_bad_message_image_fails_before_sending(images: List[Any], error: type, match: str) -> None:
    messages = [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi', 'images': images}]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(error, match=match):
            ollama.Client(HOST).chat('llava', messages)
        assert len(mock.calls) == 0


def test_bad_generate_image_fails_before_sending() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(FileNotFoundError, match=r"'shot\.png'"):
            ollama.Client(HOST).generate('llava', 'Hi', images=['shot.png'])
        with pytest.raises(ValueError, match='invalid image data'):
            ollama.Client(HOST).generate('llava', 'Hi', images=['not base64'])
        assert len(mock.calls) == 0


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> List[Path]:
    reads: List[Path] = []
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        reads.append(self)
        return original(self)

    monkeypatch.setattr(Path, 'read_bytes', read_bytes)
    return reads


def test_file_is_read_once_across_retries(png: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    with responses.RequestsMock() as mock:
        mock.add('POST', HOST + '/api/chat', status=503, json={'error': 'busy'})
        mock.add('POST', HOST + '/api/chat', json={'model': 'm', 'message': {'role': 'assistant', 'content': 'A cat.'}})
        client = ollama.Client(HOST, retries=ollama.Retry(total=1, backoff=0.0))
        r = client.chat('llava', [{'role': 'user', 'content': 'What?', 'images': [png]}])
        assert r.message.content == 'A cat.'
        assert len(mock.calls) == 2
        bodies = [json.loads(call.request.body) for call in mock.calls]
    assert bodies[0] == bodies[1]
    assert bodies[0]['messages'][0]['images'] == [PNG_B64]
    assert reads == [png]


async def test_file_is_read_once_across_retries_async(png: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch)
    with aiohttp_mock() as mock:
        mock.post(HOST + '/api/generate', status=503, payload={'error': 'busy'})
        mock.post(HOST + '/api/generate', payload={'model': 'm', 'response': 'A cat.', 'done': True})
        async with ollama.AsyncClient(HOST, retries=ollama.Retry(total=1, backoff=0.0)) as client:
            r = await client.generate('llava', 'What?', images=[png])
        calls = next(iter(mock.requests.values()))
    assert r.response == 'A cat.'
    assert [json.loads(call.kwargs['data'])['images'] for call in calls] == [[PNG_B64], [PNG_B64]]
    assert reads == [png]
