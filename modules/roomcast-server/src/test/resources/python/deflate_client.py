"""A third-party client for DeflateIT: Debian's python3-websockets, which offers permessage-deflate.

  deflate_client.py URI listen N   N clients (JSON subprotocol) subscribe to room "big" and print the
                                   negotiated extensions, "subscribed", then "message LENGTH" per client
  deflate_client.py URI bomb       sends a text message of 10 MB of spaces (compressed to a few KB by
                                   the extension) and prints "closed CODE" when the node closes
"""
import asyncio
import json
import sys

import websockets


async def connect(uri):
    return await websockets.connect(uri, subprotocols=["roomcast.v1.json"], compression="deflate", max_size=None)


async def listen(uri, n):
    clients = [await connect(uri) for _ in range(n)]
    for c in clients:
        print("extensions", c.response_headers.get("Sec-WebSocket-Extensions"), flush=True)
        await c.send(json.dumps({"id": 1, "subscribe": {"room": "big"}}))
        while '"subscribed"' not in await c.recv():
            pass
    print("subscribed", flush=True)
    for c in clients:
        done = False
        while not done:
            for line in (await c.recv()).splitlines():
                frame = json.loads(line)
                if "message" in frame:
                    print("message", len(frame["message"]["text"]), flush=True)
                    done = True
    for c in clients:
        await c.close()


async def bomb(uri):
    c = await connect(uri)
    try:
        await c.send(" " * 10_000_000)
        while True:
            await c.recv()
    except websockets.exceptions.ConnectionClosed as e:
        print("closed", e.rcvd.code if e.rcvd else e.code, flush=True)


if __name__ == "__main__":
    uri, mode = sys.argv[1], sys.argv[2]
    asyncio.run(listen(uri, int(sys.argv[3])) if mode == "listen" else bomb(uri))
