"""A third-party client of the JSON subprotocol: Python `websockets` (Debian's python3-websockets).

Sends the exact frames of docs/protocol.md and checks the exact replies. Run by PythonJsonClientIT;
by hand: /usr/bin/python3 json_client.py ws://127.0.0.1:8080/ws
"""
import asyncio
import json
import re
import sys

import websockets

ANY = re.compile(r".+")


def matches(expected, actual):
    """Equality of JSON values, where the string "..." in `expected` stands for any non-empty string."""
    if expected == "...":
        return isinstance(actual, str) and ANY.fullmatch(actual) is not None
    if isinstance(expected, dict):
        return isinstance(actual, dict) and expected.keys() == actual.keys() and all(
            matches(v, actual[k]) for k, v in expected.items())
    return expected == actual


async def frames(ws, count):
    """The next `count` frames; a message may carry several, one JSON object per line."""
    got = []
    while len(got) < count:
        message = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(message, str), f"expected a text message, got {message!r}"
        got += [json.loads(line) for line in message.splitlines() if line.strip()]
    return got


def expect(expected, actual):
    if not matches(expected, actual):
        raise AssertionError(f"expected {json.dumps(expected)}\n     got {json.dumps(actual)}")
    print("<-", json.dumps(actual))


async def send(ws, text):
    print("->", text)
    await ws.send(text)


async def main(url):
    async with websockets.connect(url, subprotocols=["roomcast.v1.json"]) as ws:
        assert ws.subprotocol == "roomcast.v1.json", ws.subprotocol
        (connected,) = await frames(ws, 1)
        expect({"connected": {"node": "...", "session": "...", "pingIntervalMs": 25000, "maxMessageBytes": 65536}}, connected)

        await send(ws, '{"id":1,"subscribe":{"room":"chat"}}')
        (subscribed,) = await frames(ws, 1)
        # a room nobody published yet: offset 0 in no epoch (an empty epoch, absent in JSON)
        expect({"id": 1, "subscribed": {"room": "chat", "position": {"offset": "0"}}}, subscribed)

        await send(ws, '{"id":2,"publish":{"room":"chat","text":"hello"}}')
        two = await frames(ws, 2)  # the ack and the message itself, in either order
        ack = next(f for f in two if "ack" in f)
        message = next(f for f in two if "message" in f)
        expect({"id": 2, "ack": {"offset": "1"}}, ack)
        expect({"message": {"room": "chat", "text": "hello", "offset": "1", "epoch": "...", "timeMs": "..."}}, message)
        assert message["message"]["epoch"], "the first message carries the epoch the room now has"

        await send(ws, '{"id":3,"unsubscribe":{"room":"chat"}}')
        (unsubscribed,) = await frames(ws, 1)
        expect({"id": 3, "unsubscribed": {"room": "chat"}}, unsubscribed)

        await send(ws, '{"id":9,"subscribe":{"room":"no spaces allowed"}}')
        (error,) = await frames(ws, 1)
        expect({"id": 9, "error": {"code": 400, "message": "..."}}, error)

        await send(ws, '{"id":10,"ping":{}}')
        (pong,) = await frames(ws, 1)
        expect({"id": 10, "pong": {}}, pong)

        await send(ws, "this is not JSON")
        (disconnect,) = await frames(ws, 1)
        expect({"disconnect": {"code": 4000, "reason": "..."}}, disconnect)
        try:
            await asyncio.wait_for(ws.recv(), 10)
            raise AssertionError("the connection stayed open after a malformed frame")
        except websockets.ConnectionClosed as closed:
            assert closed.code == 4000, closed.code
            print("closed with", closed.code)
    print("OK")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
