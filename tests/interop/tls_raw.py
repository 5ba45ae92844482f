#!/usr/bin/env python3
"""tls_raw.py - a TLS 1.2 client written out by hand against the HTTPS
server of fastmcp.h (run by tls_raw.sh, which builds bench/https_server.c,
makes the certificates and starts one server with an EC P-256 key and one
with an RSA-2048 key).

The server answers the common ClientHello with the library's own handshake
(src/tls.c, fmcp__fs_*): ECDHE over X25519 or P-256, AES-GCM or
ChaCha20-Poly1305, ECDSA or RSA PKCS#1 signatures with SHA-256, extended
master secret. Any other ClientHello is replayed into BearSSL. The own
handshake sends an empty session id and BearSSL a 32-byte one, so the
session id shows which of the two answered.

Only the primitives come from the `cryptography` package (X25519, ECDH on
P-256, AES-GCM, ChaCha20-Poly1305, signature checks, X.509 parsing). The
messages, the transcript, the PRF and key schedule and the record layer
are written out here (RFC 5246, 5288, 5289, 7627, 7905, 8422). Because
the handshake is done step by step, the attack checks can leave it at any
point.

The checks:
  1. a full handshake and one MCP request (POST /mcp, tools/call add) for
     each suite the server's key allows x each curve x with and without
     extended master secret. Each one checks the ServerHello (empty session
     id, the suite and curve offered, renegotiation_info, and EMS echoed
     only when offered), the certificate (the server's file, issued by the
     CA), the ServerKeyExchange signature (verified with the certificate's
     key) and the server's Finished;
  2. ClientHellos the own handshake must leave to BearSSL: BearSSL's
     32-byte session id in the ServerHello, and the handshake and request
     completed when the suite is AEAD;
  3. attacks: the right fatal alert, then the connection closed;
  4. ClientHello fuzz smoke: randomly mutated ClientHellos (fixed seed)
     each answered with a ServerHello, an alert or a close, and a full
     handshake still succeeds afterwards.

Prints one line per check: "ok NAME" or "FAIL NAME: reason", details as
indented lines; tls_raw.sh counts them (tests/interop/lib.sh). Exits 0
unless the arguments are wrong or the script itself breaks.

usage: tls_raw.py --ca CA.crt --ec PORT CERT --rsa PORT CERT [--fuzz N] [--seed S]
"""

import argparse
import hashlib
import hmac
import json
import random
import socket
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

TIMEOUT = 5.0           # seconds for any one read; only reached when a check fails

# ---- protocol numbers ---------------------------------------------------------------

CCS, ALERT, HANDSHAKE, APPDATA = 20, 21, 22, 23
CLIENT_HELLO, SERVER_HELLO, CERTIFICATE, SERVER_KEY_EXCHANGE = 1, 2, 11, 12
SERVER_HELLO_DONE, CLIENT_KEY_EXCHANGE, FINISHED = 14, 16, 20
X25519, P256 = 29, 23
CURVE_NAMES = {X25519: 'X25519', P256: 'P-256'}
EXT_SNI, EXT_MFL, EXT_GROUPS, EXT_POINT_FORMATS, EXT_SIGALGS = 0, 1, 10, 11, 13
EXT_EMS, EXT_RENEG = 0x0017, 0xFF01
SCSV = 0x00FF                       # TLS_EMPTY_RENEGOTIATION_INFO_SCSV
SIGALGS = (0x0403, 0x0401)          # ecdsa_secp256r1_sha256, rsa_pkcs1_sha256
TLS12 = b'\x03\x03'
ALERT_NAMES = {0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac',
               22: 'record_overflow', 40: 'handshake_failure', 47: 'illegal_parameter',
               50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version',
               80: 'internal_error'}

# suite -> (certificate key type, record protection, PRF/transcript hash, key bytes)
SUITES = {
    0xC02B: ('ec', 'gcm', hashlib.sha256, 16),      # ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    0xC02C: ('ec', 'gcm', hashlib.sha384, 32),      # ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    0xCCA9: ('ec', 'chacha', hashlib.sha256, 32),   # ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    0xC02F: ('rsa', 'gcm', hashlib.sha256, 16),     # ECDHE_RSA_WITH_AES_128_GCM_SHA256
    0xC030: ('rsa', 'gcm', hashlib.sha384, 32),     # ECDHE_RSA_WITH_AES_256_GCM_SHA384
    0xCCA8: ('rsa', 'chacha', hashlib.sha256, 32),  # ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
}
# a CBC suite for each key type: BearSSL has them, the own handshake does not
CBC_SUITE = {'ec': 0xC023, 'rsa': 0xC027}           # ECDHE_{ECDSA,RSA}_WITH_AES_128_CBC_SHA256
# signature algorithm hash byte -> hash (SHA-1 when BearSSL is asked for it)
SIG_HASHES = {2: hashes.SHA1, 4: hashes.SHA256, 5: hashes.SHA384, 6: hashes.SHA512}


class Failure(Exception):
    """A check's assertion that did not hold."""


def expect(cond, why):
    if not cond:
        raise Failure(why)


def u16(b, i=0):
    return b[i] << 8 | b[i + 1]


def u24(b, i=0):
    return b[i] << 16 | b[i + 1] << 8 | b[i + 2]


def alert_name(code):
    return '%d %s' % (code, ALERT_NAMES.get(code, '?'))


_sysrand = random.SystemRandom()


def os_random(n):
    """n bytes from the system's randomness (client randoms)."""
    return bytes(_sysrand.randrange(256) for _ in range(n))


# ---- message building -----------------------------------------------------------------

def ext(etype, body):
    return struct.pack('>HH', etype, len(body)) + body


def u16_list(vals):
    b = b''.join(struct.pack('>H', v) for v in vals)
    return struct.pack('>H', len(b)) + b


def hs_msg(mtype, body):
    """A handshake message: type and 24-bit length before the body."""
    return bytes([mtype]) + struct.pack('>I', len(body))[1:] + body


def client_hello(cr, suites, groups=(X25519, P256), sigalgs=SIGALGS, ems=False,
                 extra=b'', scsv=True):
    """A TLS 1.2 ClientHello; groups/sigalgs None leaves that extension out."""
    body = TLS12 + cr + b'\x00'                     # no session id
    body += u16_list(list(suites) + ([SCSV] if scsv else []))
    body += b'\x01\x00'                             # compression: null only
    exts = ext(EXT_SNI, b'\x00\x0c\x00\x00\x09localhost')
    if groups is not None:
        exts += ext(EXT_GROUPS, u16_list(groups))
        exts += ext(EXT_POINT_FORMATS, b'\x01\x00')
    if sigalgs is not None:
        exts += ext(EXT_SIGALGS, u16_list(sigalgs))
    if ems:
        exts += ext(EXT_EMS, b'')
    exts += extra
    body += struct.pack('>H', len(exts)) + exts
    return hs_msg(CLIENT_HELLO, body)


def record(ctype, body, version=TLS12):
    return bytes([ctype]) + version + struct.pack('>H', len(body)) + body


# ---- key schedule (RFC 5246 section 5 and 8.1, RFC 7627) ------------------------------

def prf(h, secret, label, seed, n):
    """TLS 1.2 PRF: P_hash(secret, label + seed) cut to n bytes."""
    seed = label + seed
    out, a = b'', seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


# ---- record protection ----------------------------------------------------------------

def aead_aad(seq, ctype, n):
    """seq_num + type + version + length of the plaintext"""
    return struct.pack('>QB', seq, ctype) + TLS12 + struct.pack('>H', n)


class Gcm:
    """AES-GCM records (RFC 5288): nonce = 4-byte implicit IV + 8-byte
    explicit part sent before the ciphertext (the sequence number here)."""
    overhead = 8 + 16

    def __init__(self, key, iv):
        self.aead, self.iv = AESGCM(key), iv

    def seal(self, seq, ctype, plain):
        explicit = struct.pack('>Q', seq)
        return explicit + self.aead.encrypt(self.iv + explicit, plain, aead_aad(seq, ctype, len(plain)))

    def open(self, seq, ctype, frag):
        expect(len(frag) >= self.overhead, 'encrypted record of %d bytes' % len(frag))
        return self.aead.decrypt(self.iv + frag[:8], frag[8:], aead_aad(seq, ctype, len(frag) - 24))


class ChaCha:
    """ChaCha20-Poly1305 records (RFC 7905): nonce = the 12-byte IV XOR the
    sequence number left-padded to 12 bytes; nothing explicit is sent."""
    overhead = 16

    def __init__(self, key, iv):
        self.aead, self.iv = ChaCha20Poly1305(key), iv

    def nonce(self, seq):
        return bytes(a ^ b for a, b in zip(self.iv, b'\0\0\0\0' + struct.pack('>Q', seq)))

    def seal(self, seq, ctype, plain):
        return self.aead.encrypt(self.nonce(seq), plain, aead_aad(seq, ctype, len(plain)))

    def open(self, seq, ctype, frag):
        expect(len(frag) >= self.overhead, 'encrypted record of %d bytes' % len(frag))
        return self.aead.decrypt(self.nonce(seq), frag, aead_aad(seq, ctype, len(frag) - 16))


# ---- certificates and signatures ------------------------------------------------------

def verify_sig(pub, sig, data, hash_cls):
    """ECDSA (DER) or RSA PKCS#1 v1.5; raises InvalidSignature."""
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(sig, data, ec.ECDSA(hash_cls()))
    elif isinstance(pub, rsa.RSAPublicKey):
        pub.verify(sig, data, padding.PKCS1v15(), hash_cls())
    else:
        raise Failure('unexpected key type %s' % type(pub).__name__)


class ServerInfo:
    """One server under test: port, its certificate and the CA."""

    def __init__(self, kind, port, cert_file, ca):
        self.kind, self.port = kind, port
        with open(cert_file, 'rb') as fh:
            self.cert = x509.load_pem_x509_certificate(fh.read())
        self.cert_der = self.cert.public_bytes(serialization.Encoding.DER)
        self.ca = ca
        self.suites = [s for s, v in SUITES.items() if v[0] == kind]

    def check_chain(self, ders):
        """The Certificate message: our file first, and issued by the CA."""
        expect(ders, 'empty Certificate message')
        expect(ders[0] == self.cert_der, 'the leaf is not the server certificate file')
        leaf = x509.load_der_x509_certificate(ders[0])
        try:
            verify_sig(self.ca.public_key(), leaf.signature, leaf.tbs_certificate_bytes,
                       type(leaf.signature_hash_algorithm))
        except InvalidSignature:
            raise Failure('the leaf is not signed by the CA')


# ---- the client ----------------------------------------------------------------------

class ServerFlight:
    """What the server's first flight said."""
    sid = suite = curve = spub = sigalg = None
    exts = None
    certs = ()


class Conn:
    """One TCP connection with a TLS 1.2 client state, driven a step at a time."""

    def __init__(self, port, timeout=TIMEOUT):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''              # socket bytes not yet a whole record
        self.hs_in = b''            # handshake bytes not yet a whole message
        self.transcript = b''       # handshake messages so far (both directions)
        self.wcipher = self.rcipher = None
        self.wseq = self.rseq = 0
        self.ems = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # records
    def rec(self, ctype, body, version=TLS12):
        """A record, encrypted once our ChangeCipherSpec is sent."""
        if self.wcipher:
            body = self.wcipher.seal(self.wseq, ctype, body)
            self.wseq += 1
        return record(ctype, body, version)

    def send(self, *records):
        self.sock.sendall(b''.join(records))

    def read_record(self):
        """(type, version, body), decrypted once the server's CCS is read;
        or 'close', 'reset' or 'timeout'."""
        while True:
            if len(self.buf) >= 5:
                n = u16(self.buf, 3)
                if len(self.buf) >= 5 + n:
                    r, self.buf = self.buf[:5 + n], self.buf[5 + n:]
                    ctype, body = r[0], r[5:]
                    if self.rcipher:
                        try:
                            body = self.rcipher.open(self.rseq, ctype, body)
                        except InvalidTag:
                            raise Failure('a record from the server does not decrypt (type %d)' % ctype)
                        self.rseq += 1
                    return ctype, r[1:3], body
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                return 'timeout'
            except ConnectionResetError:
                return 'reset'
            if not d:
                return 'close'
            self.buf += d

    def read_hs(self):
        """The next handshake message (type, body), read over records."""
        while len(self.hs_in) < 4 or len(self.hs_in) < 4 + u24(self.hs_in, 1):
            r = self.read_record()
            if isinstance(r, tuple) and r[0] == ALERT and len(r[2]) == 2:
                raise Failure('alert %s during the handshake' % alert_name(r[2][1]))
            expect(isinstance(r, tuple), 'connection %s during the handshake' % (r,))
            expect(r[0] == HANDSHAKE, 'record type %d during the handshake' % r[0])
            self.hs_in += r[2]
        n = 4 + u24(self.hs_in, 1)
        m, self.hs_in = self.hs_in[:n], self.hs_in[n:]
        self.transcript += m
        return m[0], m[4:]

    # handshake steps
    def hello(self, ch, splits=()):
        """Send a ClientHello, in one record or cut at the offsets given."""
        self.cr = ch[6:38]
        self.transcript = ch
        cuts = [0] + list(splits) + [len(ch)]
        self.send(*[record(HANDSHAKE, ch[a:b], b'\x03\x01') for a, b in zip(cuts, cuts[1:])])

    def flight(self):
        """Read ServerHello .. ServerHelloDone; sets the suite, hash and keys sizes."""
        f = ServerFlight()
        t, sh = self.read_hs()
        expect(t == SERVER_HELLO, 'handshake message %d instead of ServerHello' % t)
        expect(sh[:2] == TLS12, 'ServerHello version %s' % sh[:2].hex())
        self.sr = sh[2:34]
        n = sh[34]
        f.sid = sh[35:35 + n]
        i = 35 + n
        f.suite = u16(sh, i)
        expect(sh[i + 2] == 0, 'compression %d' % sh[i + 2])
        i += 3
        f.exts = {}
        if i < len(sh):
            end = i + 2 + u16(sh, i)
            expect(end == len(sh), 'ServerHello extensions length')
            i += 2
            while i < end:
                et, el = u16(sh, i), u16(sh, i + 2)
                f.exts[et] = sh[i + 4:i + 4 + el]
                i += 4 + el
        expect(f.suite in SUITES, 'suite %04X chosen' % f.suite)
        _, self.mode, self.h, self.klen = SUITES[f.suite]
        self.ems = EXT_EMS in f.exts
        t, cm = self.read_hs()
        expect(t == CERTIFICATE, 'handshake message %d instead of Certificate' % t)
        i, end, certs = 3, 3 + u24(cm), []
        while i < end:
            n = u24(cm, i)
            certs.append(cm[i + 3:i + 3 + n])
            i += 3 + n
        f.certs = certs
        t, ske = self.read_hs()
        expect(t == SERVER_KEY_EXCHANGE, 'handshake message %d instead of ServerKeyExchange' % t)
        expect(ske[0] == 3, 'curve type %d (not named_curve)' % ske[0])
        f.curve = u16(ske, 1)
        n = ske[3]
        f.spub = ske[4:4 + n]
        f.params = ske[:4 + n]
        i = 4 + n
        f.sigalg = u16(ske, i)
        n = u16(ske, i + 2)
        f.sig = ske[i + 4:i + 4 + n]
        expect(i + 4 + n == len(ske), 'ServerKeyExchange length')
        t, done = self.read_hs()
        expect(t == SERVER_HELLO_DONE and done == b'', 'handshake message %d instead of ServerHelloDone' % t)
        self.srv = f
        return f

    def check_ske(self, srv):
        """The ServerKeyExchange signature, with the certificate's key."""
        f = self.srv
        hash_cls = SIG_HASHES.get(f.sigalg >> 8)
        expect(hash_cls, 'signature algorithm %04X' % f.sigalg)
        want_sig = 3 if srv.kind == 'ec' else 1
        expect(f.sigalg & 0xFF == want_sig, 'signature algorithm %04X for an %s key' % (f.sigalg, srv.kind))
        try:
            verify_sig(srv.cert.public_key(), f.sig, self.cr + self.sr + f.params, hash_cls)
        except InvalidSignature:
            raise Failure('ServerKeyExchange signature does not verify')

    def key_exchange(self, point=None):
        """ClientKeyExchange: our ECDHE share (or `point`, then the premaster
        secret is made up), master secret and keys. Returns the message."""
        f = self.srv
        if f.curve == X25519:
            k = x25519.X25519PrivateKey.generate()
            pub = k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            if point is None:
                pms = k.exchange(x25519.X25519PublicKey.from_public_bytes(f.spub))
        elif f.curve == P256:
            k = ec.generate_private_key(ec.SECP256R1())
            pub = k.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
            if point is None:
                pms = k.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), f.spub))
        else:
            raise Failure('curve %d' % f.curve)
        if point is not None:
            pub, pms = point, b'\x01' * 32
        cke = hs_msg(CLIENT_KEY_EXCHANGE, bytes([len(pub)]) + pub)
        self.transcript += cke
        if self.ems:        # RFC 7627: the session hash runs through the ClientKeyExchange
            self.ms = prf(self.h, pms, b'extended master secret', self.h(self.transcript).digest(), 48)
        else:
            self.ms = prf(self.h, pms, b'master secret', self.cr + self.sr, 48)
        ivlen = 12 if self.mode == 'chacha' else 4
        kb = prf(self.h, self.ms, b'key expansion', self.sr + self.cr, 2 * (self.klen + ivlen))
        ck, sk = kb[:self.klen], kb[self.klen:2 * self.klen]
        civ, siv = kb[2 * self.klen:2 * self.klen + ivlen], kb[2 * self.klen + ivlen:]
        cls = ChaCha if self.mode == 'chacha' else Gcm
        self.client_cipher, self.server_cipher = cls(ck, civ), cls(sk, siv)
        return cke

    def finished(self, label):
        return hs_msg(FINISHED, prf(self.h, self.ms, label, self.h(self.transcript).digest(), 12))

    def ccs(self):
        """Our ChangeCipherSpec record; what follows is encrypted."""
        r = self.rec(CCS, b'\x01')
        self.wcipher, self.wseq = self.client_cipher, 0
        return r

    def finish(self):
        """ClientKeyExchange, ChangeCipherSpec, Finished in one write; then
        the server's ChangeCipherSpec and Finished, checked."""
        cke = self.key_exchange()
        recs = [self.rec(HANDSHAKE, cke), self.ccs()]
        fin = self.finished(b'client finished')
        self.transcript += fin
        recs.append(self.rec(HANDSHAKE, fin))
        self.send(*recs)
        r = self.read_record()
        expect(r != 'timeout', 'no ChangeCipherSpec from the server')
        if isinstance(r, tuple) and r[0] == ALERT:
            raise Failure('alert %s instead of ChangeCipherSpec' % alert_name(r[2][1]))
        expect(isinstance(r, tuple) and r[0] == CCS and r[2] == b'\x01', 'ChangeCipherSpec expected, got %s' % (r,))
        self.rcipher, self.rseq = self.server_cipher, 0
        want = self.finished(b'server finished')
        t, body = self.read_hs()
        expect(t == FINISHED, 'handshake message %d instead of Finished' % t)
        expect(hs_msg(FINISHED, body) == want, 'server Finished verify_data is wrong')

    # application data
    def mcp_add(self, a, b):
        """POST /mcp tools/call add {a, b}: the result text, checked."""
        body = json.dumps({'jsonrpc': '2.0', 'id': 1, 'method': 'tools/call',
                           'params': {'name': 'add', 'arguments': {'a': a, 'b': b}}}).encode()
        req = (b'POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n'
               b'Accept: application/json, text/event-stream\r\nContent-Length: %d\r\n\r\n' % len(body)) + body
        self.send(self.rec(APPDATA, req))
        got = b''
        while True:
            head, sep, rest = got.partition(b'\r\n\r\n')
            if sep:
                lines = head.split(b'\r\n')
                expect(lines[0].startswith(b'HTTP/1.1 200'), 'response %r' % lines[0])
                cl = [int(v.split(b':', 1)[1]) for v in lines[1:] if v.lower().startswith(b'content-length:')]
                expect(cl, 'response without Content-Length')
                if len(rest) >= cl[0]:
                    break
            r = self.read_record()
            expect(isinstance(r, tuple), 'connection %s before the response' % (r,))
            expect(r[0] == APPDATA, 'record type %d instead of the response' % r[0])
            got += r[2]
        res = json.loads(rest[:cl[0]])
        text = res['result']['content'][0]['text']
        expect(text == str(a + b), 'add(%d, %d) answered %r' % (a, b, text))

    def expect_alert(self, code):
        """The next record is fatal alert `code`, then the connection closes."""
        r = self.read_record()
        expect(r != 'timeout', 'no answer in %gs (alert %s expected)' % (TIMEOUT, alert_name(code)))
        expect(isinstance(r, tuple), 'connection %s without an alert (%s expected)' % (r, alert_name(code)))
        expect(r[0] == ALERT, 'record type %d instead of alert %s' % (r[0], alert_name(code)))
        expect(r[2] == bytes([2, code]), 'alert %s instead of fatal %s' % (r[2].hex(), alert_name(code)))
        self.expect_closed()

    def expect_closed(self):
        r = self.read_record()
        expect(r in ('close', 'reset'), 'connection not closed (%s)' % (r if isinstance(r, str) else 'record type %d' % r[0]))


def handshake(srv, suite, curve, ems=False, ch=None):
    """A connection with the handshake done: ClientHello (one suite, one
    curve) to the server's Finished."""
    c = Conn(srv.port)
    try:
        c.hello(ch or client_hello(os_random(32), [suite], groups=[curve], ems=ems))
        c.flight()
        c.finish()
    except BaseException:
        c.close()
        raise
    return c


# ---- the checks ----------------------------------------------------------------------

class Report:
    def __init__(self):
        self.failed = 0

    def check(self, name, fn, *args):
        """Run one check; its return value (if any) is printed as a detail."""
        try:
            detail = fn(*args)
        except Failure as e:
            self.failed += 1
            print('FAIL %s: %s' % (name, e), flush=True)
            return
        except Exception as e:      # a crash of the check is a failure, not the end of the run
            self.failed += 1
            print('FAIL %s: %s: %s' % (name, type(e).__name__, e), flush=True)
            return
        print('ok %s' % name, flush=True)
        for line in (detail or '').splitlines():
            print('  ' + line, flush=True)


def check_own_handshake(srv, suite, curve, ems):
    """1: the own handshake, everything in it checked, then one request."""
    c = Conn(srv.port)
    with c:
        c.hello(client_hello(os_random(32), [suite], groups=[curve], ems=ems))
        f = c.flight()
        expect(f.sid == b'', 'session id of %d bytes (BearSSL answered, not the own handshake)' % len(f.sid))
        expect(f.suite == suite, 'suite %04X chosen, %04X offered' % (f.suite, suite))
        expect(f.curve == curve, 'curve %d chosen, %d offered' % (f.curve, curve))
        expect(f.exts.get(EXT_RENEG) == b'\x00', 'renegotiation_info missing or not empty')
        expect((EXT_EMS in f.exts) == ems, 'extended_master_secret %s' % ('not echoed' if ems else 'sent unasked'))
        expect(f.sigalg == (0x0403 if srv.kind == 'ec' else 0x0401), 'signature algorithm %04X' % f.sigalg)
        srv.check_chain(f.certs)
        c.check_ske(srv)
        c.finish()
        c.mcp_add(2, 40)


def check_fallback(srv, ch, splits=(), complete=True, want_suite=None):
    """2: a ClientHello for BearSSL: a 32-byte session id; with `complete`
    the handshake (signature, Finished) and a request go through."""
    c = Conn(srv.port)
    with c:
        c.hello(ch, splits)
        if not complete:            # a CBC suite: only the ServerHello is read
            t, sh = c.read_hs()
            expect(t == SERVER_HELLO, 'handshake message %d instead of ServerHello' % t)
            expect(sh[34] == 32, 'session id of %d bytes (32 from BearSSL expected)' % sh[34])
            got = u16(sh, 35 + sh[34])
            expect(got == want_suite, 'suite %04X chosen, %04X expected' % (got, want_suite))
            return
        f = c.flight()
        expect(len(f.sid) == 32, 'session id of %d bytes (32 from BearSSL expected)' % len(f.sid))
        srv.check_chain(f.certs)
        c.check_ske(srv)
        c.finish()
        c.mcp_add(20, 22)
        return 'suite %04X, curve %s, signature %04X' % (f.suite, CURVE_NAMES.get(f.curve, f.curve), f.sigalg)


def check_no_groups(srv):
    """No supported_groups: still the own handshake, on P-256 (RFC 4492 default)."""
    suite = srv.suites[0]
    c = Conn(srv.port)
    with c:
        c.hello(client_hello(os_random(32), [suite], groups=None))
        f = c.flight()
        expect(f.sid == b'', 'session id of %d bytes' % len(f.sid))
        expect(f.curve == P256, 'curve %d' % f.curve)
        c.finish()
        c.mcp_add(1, 1)


def check_no_common_suite(srv, suites):
    c = Conn(srv.port)
    with c:
        c.hello(client_hello(os_random(32), suites))
        c.expect_alert(40)


def check_close_notify(srv, suite):
    """close_notify from us: the server answers with its own and closes."""
    with handshake(srv, suite, X25519) as c:
        c.mcp_add(3, 4)
        c.send(c.rec(ALERT, b'\x01\x00'))
        r = c.read_record()
        expect(isinstance(r, tuple) and r[0] == ALERT and r[2] == b'\x01\x00', 'no close_notify back: %s' % (r,))
        c.expect_closed()


# 3: attacks. Each leaves the handshake at some point and wants one alert.

def started(srv, suite, curve):
    """A connection after the server's flight, before our second one."""
    c = Conn(srv.port)
    c.hello(client_hello(os_random(32), [suite], groups=[curve]))
    c.flight()
    return c


def attack_bad_finished(srv, suite):
    with started(srv, suite, X25519) as c:
        cke = c.key_exchange()
        c.send(c.rec(HANDSHAKE, cke), c.ccs(), c.rec(HANDSHAKE, hs_msg(FINISHED, b'\x00' * 12)))
        c.expect_alert(51)


def attack_point(srv, suite, curve, point):
    with started(srv, suite, curve) as c:
        c.send(c.rec(HANDSHAKE, c.key_exchange(point=point)))
        c.expect_alert(47)


def attack_finished_before_ccs(srv, suite):
    with started(srv, suite, X25519) as c:
        cke = c.key_exchange()
        c.send(c.rec(HANDSHAKE, cke), c.rec(HANDSHAKE, c.finished(b'client finished')))
        c.expect_alert(10)


def attack_ccs_before_cke(srv, suite):
    with started(srv, suite, X25519) as c:
        c.send(c.rec(CCS, b'\x01'))
        c.expect_alert(10)


def attack_data_before_finished(srv, suite):
    with started(srv, suite, X25519) as c:
        cke = c.key_exchange()
        c.send(c.rec(HANDSHAKE, cke), c.ccs(), c.rec(APPDATA, b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'))
        c.expect_alert(10)


def flip(rec_bytes, pos=-3):
    """A record with one bit of its body flipped (the tag by default)."""
    b = bytearray(rec_bytes)
    b[pos] ^= 0x10
    return bytes(b)


def attack_flip_finished(srv, suite):
    with started(srv, suite, X25519) as c:
        cke = c.key_exchange()
        recs = [c.rec(HANDSHAKE, cke), c.ccs()]
        fin = c.finished(b'client finished')
        c.send(*recs, flip(c.rec(HANDSHAKE, fin), 5 + 8 if c.mode == 'gcm' else 5))
        c.expect_alert(20)          # in the clear: the server's keys are not on yet


def attack_flip_appdata(srv, suite):
    with handshake(srv, suite, X25519) as c:
        c.mcp_add(5, 6)
        c.send(flip(c.rec(APPDATA, b'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n')))
        c.expect_alert(20)          # encrypted under the server's keys


def attack_renegotiation(srv, suite):
    with handshake(srv, suite, X25519) as c:
        c.send(c.rec(HANDSHAKE, client_hello(os_random(32), [suite])))
        c.expect_alert(40)


def attack_record_version(srv, suite):
    with started(srv, suite, X25519) as c:
        c.send(c.rec(HANDSHAKE, c.key_exchange(), version=b'\x03\x01'))
        c.expect_alert(70)


# 4: fuzz smoke.

def mutate(base, rng):
    """A ClientHello record with 1-4 mutations: bytes changed, cut, bytes
    inserted, a length-like pair set to an edge value; sometimes another
    record type, trailing junk, or the message split over two records."""
    ch = bytearray(base)
    for _ in range(rng.randint(1, 4)):
        if len(ch) < 4:
            break
        op = rng.random()
        if op < 0.5:
            ch[rng.randrange(len(ch))] = rng.randrange(256)
        elif op < 0.7:
            del ch[rng.randrange(len(ch)):]
        elif op < 0.85:
            i = rng.randrange(len(ch))
            ch[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        else:
            i = rng.randrange(len(ch) - 1)
            ch[i] = rng.choice([0, 0x7F, 0xFF])
            ch[i + 1] = rng.choice([0, 1, 2, 0xFF])
    ch = bytes(ch)
    if rng.random() < 0.1 and len(ch) > 2:
        k = rng.randrange(1, len(ch))
        data = record(HANDSHAKE, ch[:k], b'\x03\x01') + record(HANDSHAKE, ch[k:], b'\x03\x01')
    else:
        data = record(HANDSHAKE, ch, b'\x03\x01')
    if rng.random() < 0.2:
        data = bytes([rng.choice([CCS, ALERT, HANDSHAKE, APPDATA])]) + data[1:]
    if rng.random() < 0.2:
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    return data


def probe(port, data):
    """Send `data`, half-close, and say how the server answered."""
    c = Conn(port, timeout=3)
    with c:
        c.send(data)
        try:
            c.sock.shutdown(socket.SHUT_WR)     # a cut record gets an EOF, not a wait
        except OSError:
            return 'close'
        try:
            r = c.read_record()
        except OSError:
            return 'close'
        if r in ('close', 'reset'):
            return 'close'
        if r == 'timeout':
            return 'no answer in 3s'
        if r[0] == HANDSHAKE and r[2][:1] == bytes([SERVER_HELLO]):
            return 'ServerHello'
        if r[0] == ALERT:
            return 'alert'
        return 'record type %d (%s...)' % (r[0], r[2][:8].hex())


def check_fuzz(srv, n, seed):
    rng = random.Random('%s-%d' % (srv.kind, seed))
    ours = srv.suites
    base = client_hello(bytes(rng.randrange(256) for _ in range(32)),
                        [0x1301] + ours + [CBC_SUITE[srv.kind]], groups=(X25519, P256, 24),
                        sigalgs=(0x0403, 0x0401, 0x0804, 0x0201), ems=True, extra=ext(EXT_RENEG, b'\x00'))
    counts, bad = {}, []
    for i in range(n):
        data = mutate(base, rng)
        what = probe(srv.port, data)
        counts[what] = counts.get(what, 0) + 1
        if what not in ('ServerHello', 'alert', 'close'):
            bad.append('case %d: %s; sent %s' % (i, what, data.hex()))
    detail = ', '.join('%d %s' % (v, k) for k, v in sorted(counts.items()))
    expect(not bad, '%d of %d: %s\n%s' % (len(bad), n, detail, '\n'.join(bad[:3])))
    return detail


def check_alive(srv):
    """After everything: a full handshake and a request still go through."""
    with handshake(srv, srv.suites[0], X25519) as c:
        c.mcp_add(40, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ca', required=True, help='CA certificate (PEM) that issued both server certificates')
    ap.add_argument('--ec', nargs=2, metavar=('PORT', 'CERT'), required=True, help='server with an EC P-256 key')
    ap.add_argument('--rsa', nargs=2, metavar=('PORT', 'CERT'), required=True, help='server with an RSA key')
    ap.add_argument('--fuzz', type=int, default=300, help='mutated ClientHellos per server')
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    with open(a.ca, 'rb') as fh:
        ca = x509.load_pem_x509_certificate(fh.read())
    servers = [ServerInfo('ec', int(a.ec[0]), a.ec[1], ca), ServerInfo('rsa', int(a.rsa[0]), a.rsa[1], ca)]
    rep = Report()

    # 1. the own handshake: every suite x curve x EMS, a request on each
    for srv in servers:
        for suite in srv.suites:
            for curve in (X25519, P256):
                for ems in (False, True):
                    rep.check('%s key, %04X %s%s: own handshake (empty session id, signature, Finished), POST /mcp'
                              % (srv.kind, suite, CURVE_NAMES[curve], ' +EMS' if ems else ''),
                              check_own_handshake, srv, suite, curve, ems)
        rep.check('%s key, no supported_groups: own handshake on P-256' % srv.kind, check_no_groups, srv)
        rep.check('%s key: close_notify answered with close_notify' % srv.kind, check_close_notify, srv, srv.suites[0])

    # 2. ClientHellos the own handshake leaves to BearSSL (32-byte session id)
    for srv in servers:
        gcm, cbc = srv.suites[0], CBC_SUITE[srv.kind]
        k = srv.kind
        rep.check('%s key, only CBC suite %04X: BearSSL answers' % (k, cbc), check_fallback, srv,
                  client_hello(os_random(32), [cbc]), (), False, cbc)
        rep.check('%s key, CBC %04X before %04X: the client order decides, BearSSL answers' % (k, cbc, gcm),
                  check_fallback, srv, client_hello(os_random(32), [cbc, gcm]), (), False, cbc)
        rep.check('%s key, no signature_algorithms: BearSSL, handshake and POST /mcp' % k, check_fallback, srv,
                  client_hello(os_random(32), [gcm], sigalgs=None))
        rep.check('%s key, only SHA-1 signature algorithms: BearSSL, handshake and POST /mcp' % k, check_fallback,
                  srv, client_hello(os_random(32), [gcm], sigalgs=(0x0203, 0x0201)))
        rep.check('%s key, max_fragment_length: BearSSL, handshake and POST /mcp' % k, check_fallback, srv,
                  client_hello(os_random(32), [gcm], extra=ext(EXT_MFL, b'\x04')))
        rep.check('%s key, ClientHello split over two records: BearSSL, handshake and POST /mcp' % k,
                  check_fallback, srv, client_hello(os_random(32), [gcm]), (10,))
        rep.check('%s key, EMS and max_fragment_length: BearSSL, handshake and POST /mcp' % k, check_fallback, srv,
                  client_hello(os_random(32), [gcm], ems=True, extra=ext(EXT_MFL, b'\x04')))
    other = [s for s in SUITES if SUITES[s][0] == 'rsa']
    rep.check('ec key, only RSA suites offered: alert 40', check_no_common_suite, servers[0], other)

    # 3. attacks (the EC server; the RSA one runs the same code past the signature)
    ecs = servers[0]
    for suite in (0xC02B, 0xCCA9):
        rep.check('%04X: bad Finished verify_data -> alert 51' % suite, attack_bad_finished, ecs, suite)
        rep.check('%04X: bit flipped in the encrypted Finished -> alert 20' % suite, attack_flip_finished, ecs, suite)
        rep.check('%04X: bit flipped in an application data record -> alert 20 (encrypted)' % suite,
                  attack_flip_appdata, ecs, suite)
    rep.check('P-256 ClientKeyExchange point off the curve -> alert 47', attack_point, ecs, 0xC02B, P256,
              b'\x04' + b'\x01' * 64)
    rep.check('P-256 ClientKeyExchange 65-byte point with prefix 02 -> alert 47', attack_point, ecs, 0xC02B, P256,
              b'\x02' + b'\x01' * 64)
    rep.check('X25519 all-zero ClientKeyExchange share -> alert 47', attack_point, ecs, 0xC02B, X25519, b'\x00' * 32)
    rep.check('Finished before ChangeCipherSpec -> alert 10', attack_finished_before_ccs, ecs, 0xC02B)
    rep.check('ChangeCipherSpec before ClientKeyExchange -> alert 10', attack_ccs_before_cke, ecs, 0xC02B)
    rep.check('application data before Finished -> alert 10', attack_data_before_finished, ecs, 0xC02B)
    rep.check('renegotiation (ClientHello after the handshake) -> alert 40 (encrypted)',
              attack_renegotiation, ecs, 0xC02B)
    rep.check('renegotiation on the RSA server, ChaCha20 -> alert 40 (encrypted)',
              attack_renegotiation, servers[1], 0xCCA8)
    rep.check('record version 3.1 after the ClientHello -> alert 70', attack_record_version, ecs, 0xC02B)

    # 4. ClientHello fuzz smoke, then the servers still work
    for srv in servers:
        rep.check('%s key: %d mutated ClientHellos (seed %d) each get a ServerHello, an alert or a close'
                  % (srv.kind, a.fuzz, a.seed), check_fuzz, srv, a.fuzz, a.seed)
        rep.check('%s key: a full handshake and POST /mcp after all that' % srv.kind, check_alive, srv)
    return 0


if __name__ == '__main__':
    sys.exit(main())
