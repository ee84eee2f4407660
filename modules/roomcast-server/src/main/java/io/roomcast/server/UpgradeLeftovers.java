package io.roomcast.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Frees what the handshake's HTTP exchange holds once the WebSocket runs. Undertow keeps the
 * upgraded connection's HTTP objects for the WebSocket's whole life (its read listener and upgrade
 * listener still point at the exchange), and with them the handshake's request and response headers:
 * over a kilobyte per idle connection (more with a browser's headers and cookies). Clearing the two
 * header maps once the session is set up returns that memory; nothing reads them afterwards. The
 * HTTP parser's state is kept too: its cache of the handshake's header values and three string
 * builders (about 800 bytes); they are emptied the same way (a next request on the connection, which
 * an upgraded one never has, would only find the cache cold).
 */
final class UpgradeLeftovers {
  /** AsyncWebSocketHttpServerExchange.exchange: Undertow offers no getter; null if a later version renames it. */
  private static final VarHandle EXCHANGE = find();
  /** HttpServerConnection.readListener, HttpReadListener.state, and the parse state's cache and builders; null if not found. */
  private static final Field[] PARSER = findParser();

  private UpgradeLeftovers() {}

  /** Whether this Undertow has the fields released here (a later version may rename them). */
  static boolean finds() {
    return EXCHANGE != null && PARSER != null;
  }

  static void release(WebSocketHttpExchange facade) {
    if (EXCHANGE == null || !(facade instanceof AsyncWebSocketHttpServerExchange)) return;
    HttpServerExchange exchange = (HttpServerExchange) EXCHANGE.get(facade);
    exchange.getRequestHeaders().clear();
    exchange.getResponseHeaders().clear();
    releaseParser(exchange.getConnection());
  }

  /** Empties the HTTP parser's header-value cache and builders; on the connection's I/O thread, which owns them. */
  private static void releaseParser(ServerConnection connection) {
    if (PARSER == null || !(connection instanceof HttpServerConnection)) return;
    try {
      Object listener = PARSER[0].get(connection);
      Object state = listener == null ? null : PARSER[1].get(listener);
      if (state == null) return;
      ((Map<?, ?>) PARSER[2].get(state)).clear();
      for (int i = 3; i < PARSER.length; i++) {
        StringBuilder b = (StringBuilder) PARSER[i].get(state);
        b.setLength(0);
        b.trimToSize();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // the memory stays held; nothing else changes
    }
  }

  private static VarHandle find() {
    try {
      return MethodHandles.privateLookupIn(AsyncWebSocketHttpServerExchange.class, MethodHandles.lookup())
          .findVarHandle(AsyncWebSocketHttpServerExchange.class, "exchange", HttpServerExchange.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // the memory stays held; nothing else changes
    }
  }

  private static Field[] findParser() {
    try {
      Field listener = HttpServerConnection.class.getDeclaredField("readListener");
      Field state = listener.getType().getDeclaredField("state");
      Class<?> parseState = state.getType();
      Field[] fields = {listener, state, parseState.getDeclaredField("headerValuesCache"),
          parseState.getDeclaredField("stringBuilder"), parseState.getDeclaredField("canonicalPath"),
          parseState.getDeclaredField("decodeBuffer")};
      for (Field f : fields) f.setAccessible(true);
      if (!Map.class.isAssignableFrom(fields[2].getType())) return null;
      for (int i = 3; i < fields.length; i++) {
        if (fields[i].getType() != StringBuilder.class) return null;
      }
      return fields;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
