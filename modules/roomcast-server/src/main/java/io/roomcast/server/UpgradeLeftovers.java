package io.roomcast.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Frees what the handshake's HTTP exchange holds once the WebSocket runs. Undertow keeps the
 * upgraded connection's HTTP objects for the WebSocket's whole life (its read listener and upgrade
 * listener still point at the exchange), and with them the handshake's request and response headers:
 * over a kilobyte per idle connection (more with a browser's headers and cookies). Clearing the two
 * header maps once the session is set up returns that memory; nothing reads them afterwards.
 */
final class UpgradeLeftovers {
  /** AsyncWebSocketHttpServerExchange.exchange: Undertow offers no getter; null if a later version renames it. */
  private static final VarHandle EXCHANGE = find();

  private UpgradeLeftovers() {}

  static void release(WebSocketHttpExchange facade) {
    if (EXCHANGE == null || !(facade instanceof AsyncWebSocketHttpServerExchange)) return;
    HttpServerExchange exchange = (HttpServerExchange) EXCHANGE.get(facade);
    exchange.getRequestHeaders().clear();
    exchange.getResponseHeaders().clear();
  }

  private static VarHandle find() {
    try {
      return MethodHandles.privateLookupIn(AsyncWebSocketHttpServerExchange.class, MethodHandles.lookup())
          .findVarHandle(AsyncWebSocketHttpServerExchange.class, "exchange", HttpServerExchange.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // the memory stays held; nothing else changes
    }
  }
}
