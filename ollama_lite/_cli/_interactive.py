"""The conversation of ``ollama-lite run MODEL`` (and ``chat MODEL``) with no prompt: ``ollama run``'s REPL.

Lines are read with readline (editing, history in a file); ``\"\"\"`` starts a message of several lines; slash
commands change the session (``/set``, ``/show``, ``/load``, ``/save``, ``/clear``, ``/?``, ``/bye``); Ctrl-C
stops an answer and returns to the prompt, at an empty prompt it says how to leave; Ctrl-D leaves.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, TextIO

from .._errors import ConnectError, ProtocolError, RequestTimeout, ResponseError
from .._modelfile import parameter_value
from .._sync import Client
from ._answer import AnswerPrinter, Spinner, chat_parts, stream_answer, write_stats
from ._attachments import extract_files
from ._format import human_bytes, human_time, table
from ._lineinput import LineReader
from ._output import not_found
from ._show import show_info

PROMPT, ALT_PROMPT = '>>> ', '... '
_QUOTES = '"""'

_USAGE = """Available Commands:
  /set            Set session variables
  /show           Show model information
  /load <model>   Load a session or model
  /save <model>   Save your current session
  /clear          Clear session context
  /bye            Exit
  /?, /help       Help for a command
  /? shortcuts    Help for keyboard shortcuts

Use \"\"\" to begin a multi-line message.
"""
_USAGE_FILES = 'Use /path/to/file to include .jpg, .png, .webp images, or .wav audio files.\n'
_USAGE_SET = """Available Commands:
  /set parameter ...     Set a parameter
  /set system <string>   Set system message
  /set history           Enable history
  /set nohistory         Disable history
  /set wordwrap          Enable wordwrap
  /set nowordwrap        Disable wordwrap
  /set format json       Enable JSON mode
  /set noformat          Disable formatting
  /set verbose           Show LLM stats
  /set quiet             Disable LLM stats
  /set think             Enable thinking
  /set nothink           Disable thinking

"""
_USAGE_SHORTCUTS = """Available keyboard shortcuts:
  Ctrl + a            Move to the beginning of the line (Home)
  Ctrl + e            Move to the end of the line (End)
   Alt + b            Move back (left) one word
   Alt + f            Move forward (right) one word
  Ctrl + k            Delete the sentence after the cursor
  Ctrl + u            Delete the sentence before the cursor
  Ctrl + w            Delete the word before the cursor

  Ctrl + l            Clear the screen
  Ctrl + c            Stop the model from responding
  Ctrl + d            Exit ollama-lite (/bye)

"""
_USAGE_SHOW = """Available Commands:
  /show info         Show details for this model
  /show license      Show model license
  /show modelfile    Show Modelfile for this model
  /show parameters   Show parameters for this model
  /show system       Show system message
  /show template     Show prompt template

"""
_USAGE_PARAMETERS = """Available Parameters:
  /set parameter seed <int>             Random number seed
  /set parameter num_predict <int>      Max number of tokens to predict
  /set parameter top_k <int>            Pick from top k num of tokens
  /set parameter top_p <float>          Pick token based on sum of probabilities
  /set parameter min_p <float>          Pick token based on top token probability * min_p
  /set parameter num_ctx <int>          Set the context size
  /set parameter temperature <float>    Set creativity level
  /set parameter repeat_penalty <float> How strongly to penalize repetitions
  /set parameter repeat_last_n <int>    Set how far back to look for repetitions
  /set parameter num_gpu <int>          The number of layers to send to the GPU
  /set parameter stop <string> <string> ...   Set the stop parameters

"""


@dataclass
class Session:
    """What the conversation holds: the model, the messages so far, and the settings ``/set`` changes."""

    model: str
    messages: List[Dict[str, Any]] = field(default_factory=list)
    loaded_messages: List[Dict[str, Any]] = field(default_factory=list)
    parent_model: str = ''
    system: str = ''
    options: Dict[str, Any] = field(default_factory=dict)
    think: Any = None
    think_explicit: bool = False
    hide_thinking: bool = False
    format: Any = None
    keep_alive: Optional[str] = None
    verbose: bool = False
    multimodal: bool = False
    word_wrap: bool = True


def _go_value(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return '[' + ' '.join(str(v) for v in value) + ']'
    return str(value)


class Conversation:
    """Runs the read-answer loop of one session; ``out`` gets the answers, ``err`` the help texts."""

    def __init__(self, client: Client, session: Session, reader: LineReader, out: TextIO, err: TextIO) -> None:
        self.client = client
        self.session = session
        self.reader = reader
        self.out = out
        self.err = err
        self.tty = reader.interactive
        self._pending: List[str] = []
        self._multiline: Optional[str] = None  # 'prompt' or 'system' while inside a """ block

    def say(self, text: str) -> None:
        """A line for the person at the terminal."""
        self.out.write(text + '\n')
        self.out.flush()

    def run(self) -> None:
        """Read and answer until ``/bye`` or Ctrl-D."""
        while True:
            try:
                line = self.reader.read(ALT_PROMPT if self._multiline else PROMPT)
            except EOFError:
                if self.tty:
                    self.out.write('\n')
                return
            except KeyboardInterrupt:
                typed = self.reader.pending_text() or ''.join(self._pending)
                self.out.write('\n' if typed else '\nUse Ctrl + d or /bye to exit.\n')
                self._pending, self._multiline = [], None
                continue
            try:
                if self._take(line) == 'bye':
                    return
            except KeyboardInterrupt:
                # Ctrl-C just after an answer ended (or during a command) still only returns to the prompt.
                self.out.write('\n')
                self._pending, self._multiline = [], None

    def _take(self, line: str) -> Optional[str]:
        """Handle one line read: part of a message, a whole message (sent), or a command."""
        if self._multiline is not None:
            ended = line.endswith(_QUOTES)
            self._pending.append(line[: -len(_QUOTES)] if ended else line + '\n')
            if not ended:
                return None
            if self._multiline == 'system':
                self._set_system(''.join(self._pending))
                self._pending, self._multiline = [], None
                return None
            self._multiline = None
        elif line.startswith(_QUOTES):
            body = line[len(_QUOTES) :]
            if body.endswith(_QUOTES) and body:
                self._pending.append(body[: -len(_QUOTES)])
            else:
                self._pending.append(body + '\n')
                self._multiline = 'prompt'
                return None
        elif line.startswith('/') and not self._is_file(line):
            outcome = self._command(line)
            if isinstance(outcome, list):  # /set system """... goes on over the next lines
                self._pending, self._multiline = outcome, 'system'
                return None
            return 'bye' if outcome == 'bye' else None
        else:
            self._pending.append(line)
        text = ''.join(self._pending)
        self._pending = []
        if text:
            self._send(text)
        return None

    def _is_file(self, line: str) -> bool:
        if not self.session.multimodal:
            return False
        first = line.split(maxsplit=1)[0]
        _, files = extract_files(first, io.StringIO())
        return bool(files)

    # --- a turn ----------------------------------------------------------------------------------------------

    def _send(self, text: str) -> None:
        session = self.session
        message: Dict[str, Any] = {'role': 'user', 'content': text}
        if session.multimodal:
            content, images = extract_files(text, self.err)
            message['content'] = content
            if images:
                message['images'] = images
        session.messages.append(message)
        wrap = self.tty and session.word_wrap
        printer = AnswerPrinter(self.out, color=self.tty, hide_thinking=session.hide_thinking, wrap=wrap)
        printer.wait()
        try:
            stream = self.client.chat(
                session.model, session.messages, stream=True, think=session.think,
                options=session.options or None, format=session.format, keep_alive=session.keep_alive,
            )  # fmt: skip
            answer = stream_answer(stream, chat_parts, printer)
        except KeyboardInterrupt:
            printer.end()  # before the first chunk: the spinner goes, the question stays, as after one
            raise
        except (ResponseError, ConnectError, RequestTimeout, ProtocolError) as error:
            printer.end()
            # The conversation survives a refused turn: report it and drop the message the server refused.
            session.messages.pop()
            text = error.error if isinstance(error, ResponseError) else str(error)
            self.err.write(f'Error: {text}\n')
            return
        if answer.interrupted:
            # Like ollama, the question stays in the conversation and the half answer does not.
            self.out.write('\n')
            return
        self.out.write('\n\n' if self.tty else '\n')
        self.out.flush()
        if session.verbose:
            write_stats(answer.last, self.err)
        reply: Dict[str, Any] = {'role': 'assistant', 'content': answer.content}
        if answer.thinking:
            reply['thinking'] = answer.thinking
        session.messages.append(reply)

    # --- slash commands --------------------------------------------------------------------------------------

    def _command(self, line: str) -> Any:
        words = line.split()
        head = words[0]
        if head in ('/bye', '/exit'):
            return 'bye'
        if head in ('/?', '/help'):
            self._help(words[1:])
        elif head == '/set':
            return self._set(line, words[1:])
        elif head == '/show':
            self._show(words[1:])
        elif head == '/clear':
            self._clear()
        elif head == '/load':
            self._load(words[1:])
        elif head == '/save':
            self._save(words[1:])
        elif head == '/list':
            self._list()
        else:
            self.say(f"Unknown command '{head}'. Type /? for help")
        return None

    def _help(self, topic: List[str]) -> None:
        if not topic:
            self.err.write(_USAGE + (_USAGE_FILES if self.session.multimodal else '') + '\n')
        elif topic[0] in ('set', '/set'):
            self.err.write(_USAGE_SET)
        elif topic[0] in ('show', '/show'):
            self.err.write(_USAGE_SHOW)
        elif topic[0] in ('shortcut', 'shortcuts'):
            self.err.write(_USAGE_SHORTCUTS)

    def _set(self, line: str, words: List[str]) -> Any:
        session = self.session
        if not words:
            self.err.write(_USAGE_SET)
            return None
        what = words[0]
        if what == 'history':
            self.reader.history = True
        elif what == 'nohistory':
            self.reader.history = False
        elif what == 'wordwrap':
            session.word_wrap = True
            self.say("Set 'wordwrap' mode.")
        elif what == 'nowordwrap':
            session.word_wrap = False
            self.say("Set 'nowordwrap' mode.")
        elif what == 'verbose':
            session.verbose = True
            self.say("Set 'verbose' mode.")
        elif what == 'quiet':
            session.verbose = False
            self.say("Set 'quiet' mode.")
        elif what == 'think':
            level = words[1] if len(words) > 1 else None
            session.think, session.think_explicit = level or True, True
            self._warn_if_no_thinking()
            self.say(f"Set 'think' mode to '{level}'." if level else "Set 'think' mode.")
        elif what == 'nothink':
            session.think, session.think_explicit = False, True
            self._warn_if_no_thinking()
            self.say("Set 'nothink' mode.")
        elif what == 'format':
            if len(words) < 2 or words[1] != 'json':
                self.say("Invalid or missing format. For 'json' mode use '/set format json'")
            else:
                session.format = 'json'
                self.say("Set format to 'json' mode.")
        elif what == 'noformat':
            session.format = None
            self.say('Disabled format.')
        elif what == 'parameter':
            self._set_parameter(words[1:])
        elif what == 'system':
            return self._start_system(line, words)
        else:
            self.say(f"Unknown command '/set {what}'. Type /? for help")
        return None

    def _set_parameter(self, words: List[str]) -> None:
        if len(words) < 2:
            self.err.write(_USAGE_PARAMETERS)
            return
        name, values = words[0], words[1:]
        try:
            value = parameter_value(name, values)
        except ValueError as error:
            self.say(f'Couldn\'t set parameter: "{error}"')
            return
        self.session.options[name] = value
        self.say(f"Set parameter '{name}' to '{', '.join(values)}'")

    def _start_system(self, line: str, words: List[str]) -> Any:
        if len(words) < 2:
            self.err.write(_USAGE_SET)
            return None
        text = line.split(None, 2)[2]
        if text.startswith(_QUOTES):
            body = text[len(_QUOTES) :]
            if not (body.endswith(_QUOTES) and body):
                return [body + '\n']  # the message goes on until a line ending with """
            text = body[: -len(_QUOTES)]
        self._set_system(text)
        return None

    def _set_system(self, text: str) -> None:
        session = self.session
        session.system = text
        message = {'role': 'system', 'content': text}
        if session.messages and session.messages[-1]['role'] == 'system':
            session.messages[-1] = message
        else:
            session.messages.append(message)
        self.say('Set system message.')

    def _warn_if_no_thinking(self) -> None:
        try:
            capabilities = self.client.show(self.session.model).capabilities or []
        except (ResponseError, ConnectError, RequestTimeout, ProtocolError):
            return
        if 'thinking' not in capabilities:
            self.err.write(f'warning: model "{self.session.model}" does not support thinking output\n')

    def _show(self, words: List[str]) -> None:
        if not words:
            self.err.write(_USAGE_SHOW)
            return
        session = self.session
        try:
            reply = self.client.show(session.model)
        except ResponseError as error:
            self.say(f"error: couldn't get model: {error.error}")
            return
        what = words[0]
        if what == 'info':
            show_info(reply, self.err)
        elif what == 'license':
            self.say(reply.license or 'No license was specified for this model.')
        elif what == 'modelfile':
            self.say(reply.modelfile or '')
        elif what == 'parameters':
            self.say('Model defined parameters:')
            if reply.parameters:
                for row in reply.parameters.split('\n'):
                    self.say(f'  {row}')
            else:
                self.say('  No additional parameters were specified for this model.')
            self.say('')
            if session.options:
                self.say('User defined parameters:')
                for key, value in session.options.items():
                    self.say(f'  {key:<30} {_go_value(value)}')
                self.say('')
        elif what == 'system':
            system = session.system or reply.system
            self.say(system + '\n' if system else 'No system message was specified for this model.')
        elif what == 'template':
            self.say(reply.template or 'No prompt template was specified for this model.')
        else:
            self.say(f"Unknown command '/show {what}'. Type /? for help")

    def _clear(self) -> None:
        session = self.session
        session.messages = [{'role': 'system', 'content': session.system}] if session.system else []
        self.say('Cleared session context')

    def _load(self, words: List[str]) -> None:
        if len(words) != 1:
            self.say('Usage:\n  /load <modelname>')
            return
        name = words[0]
        self.say(f"Loading model '{name}'")
        try:
            info = self.client.show(name)
        except ResponseError as error:
            if not_found(error):
                self.say(f"Couldn't find model '{name}'")
                return
            raise
        session = self.session
        session.model, session.messages = name, []
        apply_show(session, info)
        try:
            preload(self.client, session, self.out if self.tty else None)
        except ResponseError as error:
            self.say(f'error: {error.error}')

    def _save(self, words: List[str]) -> None:
        if len(words) != 1:
            self.say('Usage:\n  /save <modelname>')
            return
        session = self.session
        messages = session.loaded_messages + session.messages
        try:
            self.client.create(
                words[0], from_=session.parent_model or session.model, system=session.system or None,
                parameters=session.options or None, messages=messages or None,
            )  # fmt: skip
        except ResponseError as error:
            if 'invalid model name' in error.error or error.status_code == 400:
                self.say(f"error: The model name '{words[0]}' is invalid")
                return
            raise
        self.say(f"Created new model '{words[0]}'")

    def _list(self) -> None:
        rows = [
            [m.name or '', (m.digest or '')[:12], human_bytes(m.size or 0), human_time(m.modified_at, 'Never')]
            for m in self.client.list().models
        ]
        table(rows, self.out, ['NAME', 'ID', 'SIZE', 'MODIFIED'])


def apply_show(session: Session, info: Any) -> None:
    """Take from ``show``'s reply what a session needs: parent model, saved messages, thinking, images."""
    capabilities = info.capabilities or []
    session.parent_model = (info.details.parent_model if info.details else '') or ''
    session.loaded_messages = [m.to_dict() for m in info.messages or []]
    if not session.think_explicit:
        session.think = True if 'thinking' in capabilities else None
    modelinfo = info.modelinfo or {}
    session.multimodal = (
        'vision' in capabilities or 'audio' in capabilities or bool(info.projector_info)
        or any('.vision.' in key for key in modelinfo)
    )  # fmt: skip


def preload(client: Client, session: Session, out: Optional[TextIO] = None) -> None:
    """Load the model before the first prompt (a generate request with no prompt), as ``ollama run`` does,
    with a spinner on ``out`` meanwhile."""
    spinner = Spinner(out) if out is not None else None
    if spinner is not None:
        spinner.start()
    try:
        client.generate(session.model, keep_alive=session.keep_alive, think=session.think)
    finally:
        if spinner is not None:
            spinner.stop()


def converse(client: Client, session: Session, out: TextIO, *, interactive: bool) -> None:
    """Hold the conversation: with a terminal, ``ollama run``'s; from a pipe, a message per line."""
    reader = LineReader(interactive)
    if interactive:
        for message in session.loaded_messages:
            if message.get('role') == 'user':
                out.write(f'{PROMPT}{message.get("content") or ""}\n')
            elif message.get('role') == 'assistant':
                out.write(f'{message.get("content") or ""}\n\n')
    Conversation(client, session, reader, out, sys.stderr).run()
