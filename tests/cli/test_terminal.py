"""``ollama-lite`` as a person uses it: the real console script in a pseudo-terminal, against the emulator."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

if sys.platform == 'win32':  # pseudo-terminals and the console script's path are POSIX here
    pytest.skip('POSIX only', allow_module_level=True)

from ollama_lite.testing import EmulatorURL, ModelSpec, Reply, emulator

from ._pty import CTRL_C, CTRL_D, LEFT, UP, Terminal, cli_env, plain, screen, wait_for

PROMPT = '>>> '
GREY_BOLD = '\x1b[38;5;245m\x1b[1m'


@pytest.fixture(scope='module')
def url() -> Iterator[EmulatorURL]:
    models = ['qwen3', 'llama3.2', 'nomic-embed-text', 'llava', ModelSpec('mario', system='You are Mario.')]
    with emulator(models=models) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(url: EmulatorURL) -> None:
    url.emulator.reset()
    url.emulator.token_delay = 0.0


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def term(url: str, home: Path, *argv: str, columns: int = 100) -> Terminal:
    return Terminal([*argv, '--host', url], cli_env(home), columns=columns)


def chats(url: EmulatorURL) -> List[Dict[str, Any]]:
    return [r.body for r in url.emulator.requests if r.path == '/api/chat']


def test_arrow_keys_edit_the_line_and_up_recalls_history(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.send('hllo' + LEFT * 3 + 'e\r')
        t.expect(PROMPT)
        assert chats(url)[-1]['messages'][-1] == {'role': 'user', 'content': 'hello'}
        assert '^[[D' not in t.output
        t.send(UP)
        t.expect('hello')
        t.send('\r')
        t.expect(PROMPT)
        assert [m['content'] for m in chats(url)[-1]['messages'] if m['role'] == 'user'] == ['hello', 'hello']
        t.send('/bye\r')
        assert t.wait() == 0
    # The history outlives the session, in the user's state directory.
    assert (home / 'state' / 'ollama-lite' / 'history').read_text().split() == ['hello', '/bye']
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.send(UP + UP)
        t.expect('hello')
        t.send('\x15' + CTRL_D)  # Ctrl-D leaves from an empty line only
        assert t.wait() == 0


def test_ctrl_c_stops_the_answer_and_keeps_the_conversation(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        url.emulator.reply(Reply.text(' '.join(['word'] * 400)).paced(0.02), Reply.text('Second answer.'))
        t.send('tell me a long story\r')
        t.expect('word word word')
        t.send(CTRL_C)
        t.expect(PROMPT)
        wait_for(lambda: url.emulator.requests[-1].client_disconnected)
        assert t.output.count('word') < 400, 'the answer stopped'
        t.send(UP)
        t.expect('tell me a long story')
        t.send('\x15')  # Ctrl-U: an empty line again
        t.send('and then?\r')
        t.expect('Second answer.')
        users = [m['content'] for m in chats(url)[-1]['messages'] if m['role'] == 'user']
        assert users == ['tell me a long story', 'and then?']
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0


def test_ctrl_c_at_an_empty_prompt_says_how_to_leave_and_ctrl_d_leaves(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.ready()
        t.send(CTRL_C)
        t.expect('Use Ctrl + d or /bye to exit.')
        t.expect(PROMPT)
        t.send('half a thought')
        t.expect('half a thought')
        t.settle()
        t.send(CTRL_C)
        t.expect(PROMPT)
        assert t.output.count('Use Ctrl + d') == 1, 'a line being typed is just dropped'
        t.send(CTRL_D)
        assert t.wait() == 0
        assert t.output.endswith('\r\n'), 'the shell prompt comes back on a new line'
        assert 'Traceback' not in t.output
    assert chats(url) == []


def test_multi_line_message(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.send('"""first line\r')
        t.expect('... ')
        t.send('second line"""\r')
        t.expect(PROMPT)
        assert chats(url)[-1]['messages'][-1]['content'] == 'first line\nsecond line'
        t.send('/bye\r')
        assert t.wait() == 0


def test_slash_commands(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.send('/?\r')
        t.expect('/set            Set session variables')
        t.expect(PROMPT)
        t.send('/? set\r')
        t.expect('/set parameter ...     Set a parameter')
        t.expect(PROMPT)
        t.send('/set system You are terse.\r')
        t.expect('Set system message.')
        t.expect(PROMPT)
        t.send('/set parameter temperature 0.5\r')
        t.expect("Set parameter 'temperature' to '0.5'")
        t.expect(PROMPT)
        t.send('/set parameter temprature 0.5\r')
        t.expect("Couldn't set parameter: \"unknown parameter 'temprature'\"")
        t.expect(PROMPT)
        t.send('/set think\r')
        t.expect('warning: model "llama3.2" does not support thinking output')
        t.expect("Set 'think' mode.")
        t.expect(PROMPT)
        t.send('/set nothink\r')
        t.expect("Set 'nothink' mode.")
        t.expect(PROMPT)
        t.send('/show info\r')
        t.expect(re.compile(r'architecture\s+llama'))
        t.expect(PROMPT)
        t.send('/show system\r')
        t.expect('You are terse.')
        t.expect(PROMPT)
        t.send('/set system """You are\r')
        t.expect('... ')
        t.send('terse."""\r')
        t.expect('Set system message.')
        t.expect(PROMPT)
        t.send('/show parameters\r')
        t.expect('Model defined parameters:')
        t.expect(re.compile(r'User defined parameters:\r\n  temperature +0\.5'))
        t.expect(PROMPT)
        t.send('/show license\r')
        t.expect('LLAMA 3.2 COMMUNITY LICENSE AGREEMENT')
        t.expect(PROMPT)
        t.send('/show template\r')
        t.expect('{{- if .System }}')
        t.expect(PROMPT)
        t.send('/set format json\r')
        t.expect("Set format to 'json' mode.")
        t.expect(PROMPT)
        t.send('/set format yaml\r')
        t.expect("Invalid or missing format. For 'json' mode use '/set format json'")
        t.expect(PROMPT)
        t.send('/set verbose\r')
        t.expect("Set 'verbose' mode.")
        t.expect(PROMPT)
        t.send('/nonsense\r')
        t.expect("Unknown command '/nonsense'. Type /? for help")
        t.expect(PROMPT)
        t.send('hi\r')
        t.expect(PROMPT)
        body = chats(url)[-1]
        assert body['messages'] == [{'role': 'system', 'content': 'You are\nterse.'}, {'role': 'user', 'content': 'hi'}]
        assert body['options'] == {'temperature': 0.5}
        assert body['think'] is False
        assert body['format'] == 'json'
        assert re.search(r'eval count: +\d+ token\(s\)', t.output), '/set verbose prints the timings'
        t.send('/save terse\r')
        t.expect("Created new model 'terse'")
        t.expect(PROMPT)
        created = [r.body for r in url.emulator.requests if r.path == '/api/create'][-1]
        assert created['from'] == 'llama3.2'
        assert created['system'] == 'You are\nterse.'
        assert created['parameters'] == {'temperature': 0.5}
        t.send('/clear\r')
        t.expect('Cleared session context')
        t.expect(PROMPT)
        t.send('/load qwen3\r')
        t.expect("Loading model 'qwen3'")
        t.expect(PROMPT)
        t.send('/load nowhere\r')
        t.expect("Couldn't find model 'nowhere'")
        t.expect(PROMPT)
        t.send('again\r')
        t.expect(PROMPT)
        body = chats(url)[-1]
        assert body['model'] == 'qwen3'
        assert body['messages'] == [{'role': 'user', 'content': 'again'}]
        t.send('/bye\r')
        assert t.wait() == 0
    assert not any('/' in m['content'] for body in chats(url) for m in body['messages']), 'no command went out'
    assert 'terse:latest' in url.emulator.model_names


def test_thinking_is_dimmed_before_the_answer_and_can_be_hidden(url: EmulatorURL, home: Path) -> None:
    url.emulator.reply(Reply.text('Paris.', thinking='The capital of France.'))
    with term(url, home, 'run', 'qwen3') as t:
        t.expect(PROMPT)
        t.send('Capital of France?\r')
        t.expect('Paris.')
        t.expect(PROMPT)
        shown = t.output
        t.send(CTRL_D)
        t.wait()
    assert chats(url)[-1]['think'] is True, 'a thinking model thinks unless told not to'
    opening, closing = shown.index(GREY_BOLD + 'Thinking...'), shown.index('...done thinking.')
    assert opening < shown.index('The capital of France.') < closing < shown.index('Paris.')
    url.emulator.reply(Reply.text('Paris.', thinking='The capital of France.'))
    with term(url, home, 'run', 'qwen3', 'Capital of France?', '--hidethinking') as t:
        assert t.wait() == 0
        assert 'Paris.' in t.output
        assert 'Thinking' not in t.output
        assert 'capital of France.' not in t.output


def test_images_by_path_for_a_vision_model(url: EmulatorURL, home: Path) -> None:
    picture = home / 'cat.png'
    picture.write_bytes(b'\x89PNG\r\n\x1a\n' + b'\x00' * 64)
    with term(url, home, 'run', 'llava') as t:
        t.expect(PROMPT)
        t.send(f'what is in {picture}?\r')
        t.expect(f"Added image '{picture}'")
        t.expect(PROMPT)
        t.send('/bye\r')
        assert t.wait() == 0
    message = chats(url)[-1]['messages'][-1]
    assert message['content'] == 'what is in ?'
    assert len(message['images']) == 1


def test_run_pulls_a_missing_model_with_progress_then_chats(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'gemma3:270m') as t:
        t.expect('pulling manifest')
        t.expect('success')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
    assert 'gemma3:270m' in url.emulator.model_names
    assert re.search(r'pulling [0-9a-f]{12}: 100% ▕█+▏', t.output)


def _frames(output: str) -> List[str]:
    """Every progress line as last drawn at each redraw, escapes taken out."""
    lines: List[str] = []
    for line in re.split(r'\n|\x1b\[1G', output):
        shown = plain(line).strip('\r')
        if shown:
            lines.append(shown)
    return lines


@pytest.mark.parametrize('columns', [120, 60])
def test_pull_bars_are_redrawn_in_place_at_the_terminal_width(url: EmulatorURL, home: Path, columns: int) -> None:
    with term(url, home, 'pull', 'gemma3:270m', columns=columns) as t:
        assert t.wait() == 0
    output = t.output
    assert '\x1b[A' in output, 'earlier lines are redrawn by moving the cursor up'
    bars = [f for f in _frames(output) if '%' in f]
    assert bars
    assert all(len(f) < columns for f in _frames(output)), 'no line wraps'
    assert any(len(f) == columns - 1 for f in bars), 'a bar fills the width'
    final = [f for f in bars if '100%' in f]
    assert any(re.search(r'pulling [0-9a-f]{12}: 100% ▕█+▏\s+\d+(\.\d)? MB', f) for f in final)
    assert _frames(output)[-1] == 'success'


def test_pull_bars_follow_a_resize(url: EmulatorURL, home: Path) -> None:
    url.emulator.token_delay = 0.05
    with term(url, home, 'pull', 'gemma3:270m', columns=120) as t:
        t.expect('pulling manifest')
        t.expect(re.compile(r'\d+%'))
        t.resize(50)
        # A redraw already under way (or waiting in the pty) was measured before; the second one after is not.
        t.skip_read()
        t.expect('\x1b[?25l')
        t.expect('\x1b[?25l')
        seen = t.position - len('\x1b[?25l')
        assert t.wait() == 0
    later = _frames(t.output[seen:])
    assert later and all(len(f) < 50 for f in later)


def test_without_readline_the_conversation_still_works(url: EmulatorURL, home: Path) -> None:
    blocker = home / 'no-readline'
    blocker.mkdir()
    (blocker / 'readline.py').write_text("raise ImportError('this Python has no readline')\n")
    env = cli_env(home)
    env['PYTHONPATH'] = str(blocker) + ':' + env['PYTHONPATH']
    with Terminal(['chat', 'llama3.2', '--host', url], env) as t:
        t.expect(PROMPT)
        t.send('plain input\r')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
        assert 'Traceback' not in t.output
    assert chats(url)[-1]['messages'] == [{'role': 'user', 'content': 'plain input'}]
    assert not (home / 'state' / 'ollama-lite' / 'history').exists()


STORY = 'Once upon a time a small llama walked over the mountains to find the greenest grass in the whole wide world'


def test_answers_wrap_between_words_at_the_terminal_width(url: EmulatorURL, home: Path) -> None:
    url.emulator.reply(Reply.text(STORY), Reply.text(STORY))
    with term(url, home, 'run', 'llama3.2', columns=40) as t:
        t.expect(PROMPT)
        t.send('tell me\r')
        t.expect(PROMPT)
        wrapped = screen(t.output)
        t.send('/set nowordwrap\r')
        t.expect("Set 'nowordwrap' mode.")
        t.expect(PROMPT)
        t.send('again\r')
        t.expect(PROMPT)
        t.send(CTRL_D)
        t.wait()
    answer = wrapped[wrapped.index('>>> tell me') + 1 :]
    answer = answer[: answer.index('')]
    assert len(answer) > 2
    assert all(len(line) <= 35 for line in answer), answer
    assert ' '.join(answer) == STORY, 'lines break between words, no word is cut'
    assert STORY[:40] in t.output.replace('\r\n', ''), 'with nowordwrap the text is written as it comes'


def test_a_spinner_turns_until_the_answer_starts(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        url.emulator.reply(Reply.text('At last.').delayed(1.0))
        t.send('hello?\r')
        t.expect('\x1b[1G⠋ ')
        t.expect('At last.')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
    shown = screen(t.output)
    assert shown[shown.index('>>> hello?') + 1] == 'At last.', 'the spinner is wiped before the answer'
    assert not any('⠋' in line for line in shown)


def test_a_refused_turn_is_reported_and_the_conversation_goes_on(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        url.emulator.reply(Reply.error('the model is busy', status=500), Reply.text('Fine now.'))
        t.send('first try\r')
        t.expect('Error: the model is busy')
        t.expect(PROMPT)
        t.send('second try\r')
        t.expect('Fine now.')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
    assert chats(url)[-1]['messages'] == [{'role': 'user', 'content': 'second try'}]


def test_ctrl_c_works_when_the_test_runner_ignores_sigint(url: EmulatorURL, home: Path) -> None:
    # As when pytest runs as a background job or under nohup: the program must still hear Ctrl-C.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        t = term(url, home, 'run', 'llama3.2')
    finally:
        signal.signal(signal.SIGINT, previous)
    with t:
        t.expect(PROMPT)
        t.ready()
        t.send(CTRL_C)
        t.expect('Use Ctrl + d or /bye to exit.')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0


def test_ctrl_c_during_a_pull_stops_it_with_130(url: EmulatorURL, home: Path) -> None:
    url.emulator.token_delay = 0.2
    with term(url, home, 'pull', 'gemma3:270m') as t:
        t.expect('pulling manifest')
        t.send(CTRL_C)
        assert t.wait() == 130
        assert 'interrupted' in t.output
        assert 'Traceback' not in t.output
    wait_for(lambda: url.emulator.requests[-1].client_disconnected)


def _readline_version() -> float:
    try:
        import readline
    except ImportError:
        return 0.0
    return float(getattr(readline, '_READLINE_LIBRARY_VERSION', '0') or 0)


@pytest.mark.skipif(_readline_version() < 8.1, reason='bracketed paste is on by default from GNU readline 8.1')
def test_a_pasted_block_of_lines_is_one_message(url: EmulatorURL, home: Path) -> None:
    with term(url, home, 'run', 'llama3.2') as t:
        t.expect(PROMPT)
        t.send('\x1b[200~line one\nline two\x1b[201~')  # what a terminal sends for a paste
        t.expect('line two')
        t.send('\r')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
    assert chats(url)[-1]['messages'] == [{'role': 'user', 'content': 'line one\nline two'}]


def test_a_models_saved_messages_open_the_conversation_and_nohistory_keeps_lines_out(
    url: EmulatorURL, home: Path
) -> None:
    from ollama_lite import Client

    with Client(url) as client:
        saved = [{'role': 'user', 'content': 'Who are you?'}, {'role': 'assistant', 'content': 'It is-a me!'}]
        client.create('greeter', from_='llama3.2', messages=saved)
    with term(url, home, 'run', 'greeter') as t:
        t.expect('>>> Who are you?\r\nIt is-a me!\r\n')
        t.expect(PROMPT)
        t.send('kept\r')
        t.expect(PROMPT)
        t.send('/set nohistory\r')
        t.expect(PROMPT)
        t.send('secret\r')
        t.expect(PROMPT)
        t.send(CTRL_D)
        assert t.wait() == 0
    history = (home / 'state' / 'ollama-lite' / 'history').read_text().split()
    assert 'kept' in history
    assert 'secret' not in history
