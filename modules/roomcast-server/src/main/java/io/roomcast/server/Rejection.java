package io.roomcast.server;

/**
 * Why a handshake was refused before the upgrade: the HTTP status, the {@code reason} tag of
 * {@code roomcast.handshakes.rejected}, and the body the client reads. docs/protocol.md has the table.
 */
enum Rejection {
  NOT_WEBSOCKET(426, "not_websocket", "WebSocket handshake required"),
  BAD_UPGRADE(400, "bad_upgrade", "the Upgrade header must be websocket"),
  BAD_CONNECTION(400, "bad_connection", "the Connection header must include Upgrade"),
  BAD_KEY(400, "bad_key", "Sec-WebSocket-Key must be 16 bytes in base64"),
  BAD_VERSION(426, "bad_version", "only WebSocket version 13 is supported"),
  ORIGIN(403, "origin", "origin not allowed"),
  NODE_FULL(503, "node_full", "node at its connection limit, try another"),
  ADDRESS_CONNECTIONS(429, "address_connections", "too many connections from this address"),
  ADDRESS_RATE(429, "address_rate", "connecting too fast from this address"),
  TOKEN_INVALID(401, "token_invalid", "invalid token");

  final int status;
  final String tag;
  final String message;

  Rejection(int status, String tag, String message) {
    this.status = status;
    this.tag = tag;
    this.message = message;
  }
}
