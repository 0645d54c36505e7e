"""Hostile bytes on the peer port and the admin port never take an agent down.

Peer port: garbage instead of a TLS handshake; and, past a valid mutual-TLS
handshake (with a real node's certificate), garbage frames, a truncated
frame, an oversized length prefix, a hello for an unknown node and a
well-framed payload that is not a Raft message. Admin port: garbage, an
oversized header block, an oversized body, half-sent requests and idle
connections. Afterwards writes and /health/live still work on every node and
every process is alive.
"""

import os
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as h  # noqa: E402

FRAME_MAGIC = 0x4E544142
FRAME_HELLO, FRAME_DATA = 1, 2


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(ftype, payload, length=None, crc=None):
    length = len(payload) if length is None else length
    crc = mask(crc32c(payload)) if crc is None else crc
    return struct.pack("<IBBHII", FRAME_MAGIC, 1, ftype, 0, length, crc) + payload


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def hello(cluster, node_id, name):
    return (varint(len(cluster)) + cluster.encode() + struct.pack("<Q", node_id) +
            varint(len(name)) + name.encode())


def send_and_close(address, data, tls_context=None, linger=0.3, server_hostname=None):
    """Connects, optionally does TLS, sends `data` (a list of chunks), reads
    whatever comes back for `linger` seconds, closes. Errors are expected."""
    host, port = address.rsplit(":", 1)
    try:
        s = socket.create_connection((host, int(port)), timeout=5)
    except OSError as e:
        raise AssertionError("cannot connect to %s: %r" % (address, e))
    try:
        if tls_context is not None:
            s = tls_context.wrap_socket(s, server_hostname=server_hostname)
        for chunk in data:
            s.sendall(chunk)
        s.settimeout(linger)
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, OSError):
            pass
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            s.close()
        except OSError:
            pass


class HostileInput(h.ClusterTestCase):
    def assert_cluster_serves(self, c, label):
        for n in c.nodes:
            self.assertTrue(n.alive(), "%s died after %s:\n%s" % (n.name, label, n.log_tail()))
            r = n.request("GET", "/health/live", timeout=5)
            self.assertEqual(r.status, 200, "%s /health/live after %s: %r" % (n.name, label, r))
        key = "alive/" + label.replace(" ", "-")
        c.put(key, "ok", timeout=15)
        ld = c.leader(timeout=15)
        self.assertEqual(ld.get_value(key), "ok")

    def test_peer_and_admin_ports_survive_garbage(self):
        c = self.make_cluster(3)
        c.start()
        leader = c.leader(timeout=30)
        c.put("hostile/before", "1", timeout=10)
        target = next(n for n in c.nodes if n is not leader)  # a follower, and the leader
        victims = [target, leader]

        # TLS client context holding a real node's certificate (n1's), so the
        # bytes after the handshake reach the frame decoder.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(c.certs_dir, "ca.pem"))
        ctx.load_cert_chain(os.path.join(c.certs_dir, "n1.pem"),
                            os.path.join(c.certs_dir, "n1.key"))
        ctx.check_hostname = False

        good_hello = frame(FRAME_HELLO, hello(c.cluster_name, 1, "n1"))
        peer_cases = {
            "raw garbage": (None, [os.urandom(4096)]),
            "fake tls record": (None, [b"\x16\x03\x01\xff\xff" + os.urandom(200)]),
            "http on peer port": (None, [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]),
            "garbage after tls": (ctx, [os.urandom(1024)]),
            "truncated frame": (ctx, [frame(FRAME_HELLO, hello(c.cluster_name, 1, "n1"))[:10]]),
            "truncated payload": (ctx, [frame(FRAME_HELLO, b"x" * 100)[:60]]),
            "oversized length": (ctx, [struct.pack("<IBBHII", FRAME_MAGIC, 1, FRAME_DATA, 0,
                                                    0xFFFFFFF0, 0) + b"\0" * 64]),
            "bad crc": (ctx, [frame(FRAME_HELLO, hello(c.cluster_name, 1, "n1"), crc=1)]),
            "bad version": (ctx, [struct.pack("<IBBHII", FRAME_MAGIC, 99, 1, 0, 0, 0)]),
            "hello from unknown node": (ctx, [frame(FRAME_HELLO, hello(c.cluster_name, 77,
                                                                        "n77"))]),
            "hello for another cluster": (ctx, [frame(FRAME_HELLO, hello("other", 1, "n1"))]),
            "garbage hello payload": (ctx, [frame(FRAME_HELLO, os.urandom(50))]),
            "garbage data after hello": (ctx, [good_hello,
                                                frame(FRAME_DATA, b"\xee" + os.urandom(300)),
                                                frame(FRAME_DATA, b"\x01\x05"),
                                                frame(FRAME_DATA, b"\xb1{not json")]),
            "oversized length after hello": (ctx, [good_hello,
                                                   struct.pack("<IBBHII", FRAME_MAGIC, 1,
                                                               FRAME_DATA, 0, 0x7FFFFFFF, 0)]),
        }
        for v in victims:
            for label, (tls, chunks) in peer_cases.items():
                send_and_close(v.peer_address, chunks, tls_context=tls)
        h.log("sent %d hostile peer inputs to %s" % (len(peer_cases),
                                                      ", ".join(v.name for v in victims)))
        self.assert_cluster_serves(c, "peer garbage")

        # Admin port.
        big_header = b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n"
        admin_cases = {
            "raw garbage": [os.urandom(8192)],
            "not http": [b"\x00\x01\x02 hello\r\n\r\n"],
            "bad request line": [b"GET\r\n\r\n"],
            "oversized headers": [big_header],
            "many headers": [b"GET /v1/status HTTP/1.1\r\n" +
                             b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"],
            "oversized body": [b"PUT /v1/kv/hostile/big HTTP/1.1\r\nHost: x\r\n"
                               b"Authorization: Bearer " + c.token.encode() +
                               b"\r\nContent-Length: 104857600\r\n\r\n" + b"z" * 65536],
            "huge content-length": [b"PUT /v1/kv/hostile/x HTTP/1.1\r\nHost: x\r\n"
                                    b"Content-Length: 99999999999999999999\r\n\r\n"],
            "negative content-length": [b"PUT /v1/kv/hostile/x HTTP/1.1\r\nHost: x\r\n"
                                        b"Content-Length: -5\r\n\r\n"],
            "half-sent headers": [b"PUT /v1/kv/hostile/half HTTP/1.1\r\nHost: x\r\nAuthor"],
            "half-sent body": [b"PUT /v1/kv/hostile/half HTTP/1.1\r\nHost: x\r\n"
                               b"Authorization: Bearer " + c.token.encode() +
                               b"\r\nContent-Length: 1000\r\n\r\nonly-this"],
            "bad chunked body": [b"PUT /v1/kv/hostile/chunk HTTP/1.1\r\nHost: x\r\n"
                                 b"Authorization: Bearer " + c.token.encode() +
                                 b"\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"],
            "path traversal and junk": [b"GET /v1/kv/%ZZ/../../etc/passwd HTTP/1.1\r\n"
                                        b"Host: x\r\n\r\n"],
            "lease id garbage": [b"POST /v1/lease/notanumber/keepalive HTTP/1.1\r\nHost: x\r\n"
                                 b"Authorization: Bearer " + c.token.encode() +
                                 b"\r\nContent-Length: 0\r\n\r\n"],
            "watch from garbage": [b"GET /v1/watch/x?from=-1zz HTTP/1.1\r\nHost: x\r\n\r\n"],
        }
        # Idle / slow connections held open while everything else goes on.
        held = []
        for v in victims:
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", v.admin_port), timeout=5)
                s.sendall(b"GET /v1/sta")
                held.append(s)
        try:
            for v in victims:
                for label, chunks in admin_cases.items():
                    send_and_close(v.admin_address, chunks, linger=0.5)
            h.log("sent %d hostile admin inputs to %s, holding %d half-open connections"
                  % (len(admin_cases), ", ".join(v.name for v in victims), len(held)))
            self.assert_cluster_serves(c, "admin garbage")
        finally:
            for s in held:
                s.close()
        for n in c.nodes:
            self.assertIsNone(n.get_value("hostile/big"))
            self.assertIsNone(n.get_value("hostile/half"))
        self.assertEqual(c.leader().get_value("hostile/before"), "1")


if __name__ == "__main__":
    h.main()
