"""What every client sends, so the three adapters make the very same requests."""

CHAT_MODEL = 'bench'
MESSAGES = [{'role': 'user', 'content': 'Why is the sky blue?'}]
EMBED_DIM = 768


def stream_model(chunks: int) -> str:
    """The model name that asks the bench server for a stream of ``chunks`` lines."""
    return f'chunks-{chunks}'


def embed_model(dim: int = EMBED_DIM) -> str:
    """The model name that asks the bench server for vectors of ``dim`` floats."""
    return f'embed-{dim}'


def embed_inputs(count: int) -> list:
    """``count`` short texts: the server answers one vector per input."""
    return [f'text number {i}' for i in range(count)]
