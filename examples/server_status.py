"""Is Ollama up, are its cloud features on, and who is it signed in as? Then search the web through it."""

import ollama_lite as ollama

if not ollama.is_running():
    raise SystemExit('Ollama is not running: start it with `ollama serve`')

cloud = ollama.status().cloud
if cloud is not None and cloud.disabled:
    raise SystemExit(f'Ollama cloud is disabled (by {cloud.source})')

try:
    user = ollama.whoami()
except ollama.ResponseError as error:
    if error.status_code != 401:
        raise
    # A signed-out server says where to sign it in; no API key is needed for any of this.
    print(f'not signed in: open {error.signin_url} to connect this server to ollama.com')
else:
    print(f'signed in as {user.name} ({user.plan} plan)')
    for result in ollama.server_web_search('what is new in ollama', max_results=2).results:
        print(f'- {result.title}: {result.url}')
