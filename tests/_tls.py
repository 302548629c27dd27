"""Throwaway TLS material for tests: a certificate authority and a server certificate for 127.0.0.1.

Made with the ``openssl`` command line, so no crypto library is needed; a CA and a separate leaf (rather
than one self-signed certificate) pass the strict X.509 checks that newer Pythons turn on by default.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

# Our own request configuration, so a machine without an openssl.cnf works too. Python 3.13's strict
# verification wants the CA's key usage and key identifiers spelled out.
_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ollama-lite test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

_LEAF_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
"""


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


def make_certificates(directory: Path) -> Optional[Certificates]:
    """Write a CA and a leaf for 127.0.0.1 into ``directory``; ``None`` when ``openssl`` is not installed."""
    openssl = shutil.which('openssl')
    if openssl is None:
        return None
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
    ca_key, ca, key, csr, cert = (directory / n for n in ('ca.key', 'ca.pem', 'leaf.key', 'leaf.csr', 'leaf.pem'))
    config, extensions = directory / 'openssl.cnf', directory / 'leaf.ext'
    config.write_text(_CONFIG)
    extensions.write_text(_LEAF_EXTENSIONS)
    commands = [
        [openssl, 'req', '-x509', *ec, '-config', config, '-extensions', 'ca', '-keyout', ca_key, '-out', ca,
         '-days', '2'],
        [openssl, 'req', *ec, '-config', config, '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', csr],
        [openssl, 'x509', '-req', '-in', csr, '-CA', ca, '-CAkey', ca_key, '-CAcreateserial', '-out', cert,
         '-days', '1', '-extfile', extensions],
    ]  # fmt: skip
    for command in commands:
        subprocess.run([str(c) for c in command], check=True, capture_output=True, timeout=30)
    return Certificates(ca, cert, key)
