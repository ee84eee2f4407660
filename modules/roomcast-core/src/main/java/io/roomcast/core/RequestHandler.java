package io.roomcast.core;

import io.roomcast.protocol.v1.ClientFrame;

/** Where a session hands each decoded frame: {@link Requests}, on the session's thread. */
interface RequestHandler {
  void handle(Request request, ClientFrame frame);
}
