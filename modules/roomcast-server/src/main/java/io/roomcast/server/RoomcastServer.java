package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Broker;
import io.roomcast.core.Node;
import io.roomcast.protocol.WireFormat;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.protocol.Handshake;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A roomcast node on Undertow: one port for the WebSocket endpoint {@code /ws}, the HTTP publish API
 * and the health endpoints.
 */
public final class RoomcastServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoomcastServer.class);

  private final Undertow undertow;
  private final Node node;
  private final int port;
  private final java.time.Duration drainWindow;
  /** The drain, once started; completes when every client is gone. */
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private final AtomicBoolean drainStarted = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The demo page's price publisher, when roomcast.demo.ticker is on; else null. */
  private final DemoTicker ticker;

  private RoomcastServer(Undertow undertow, Node node, java.time.Duration drainWindow, DemoTicker ticker) {
    this.undertow = undertow;
    this.node = node;
    this.drainWindow = drainWindow;
    this.ticker = ticker;
    this.port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** Starts a node on {@code broker} (which it owns and closes) and listens. */
  public static RoomcastServer start(ServerConfig config, Broker broker, MeterRegistry registry) {
    Node node = Node.start(config.node(), broker, registry);
    try {
      RoomcastServer[] self = new RoomcastServer[1];
      Undertow undertow = Undertow.builder()
          .addHttpListener(config.port(), config.host())
          .setHandler(routes(config, node, registry, () -> self[0].drain()))
          .build();
      undertow.start();
      RoomcastServer server = new RoomcastServer(undertow, node, config.drainWindow(),
          config.demoTicker() ? DemoTicker.start(node) : null);
      self[0] = server;
      log.info("node {} listening on {}:{}", config.node().nodeId(), config.host(), server.port);
      return server;
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  private static HttpHandler routes(ServerConfig config, Node node, MeterRegistry registry, Runnable drain) {
    Set<String> subprotocols = new LinkedHashSet<>();
    Arrays.stream(WireFormat.values()).forEach(f -> subprotocols.add(f.subprotocol()));
    Set<Handshake> handshakes = Set.of(new Hybi13Handshake(subprotocols, false));
    HttpHandler handshake = new WebSocketProtocolHandshakeHandler(handshakes,
        new WebSocketEndpoint(node, registry, config.closeTimeout()), RoomcastServer::upgradeRequired);
    HttpHandler websocket = ex -> {
      if (node.accepting()) {
        handshake.handleRequest(ex);
      } else { // draining: the load balancer should already send new clients elsewhere
        registry.counter(io.roomcast.core.MetricNames.HANDSHAKES_REJECTED, "reason", "draining").increment();
        ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        text(ex, StatusCodes.SERVICE_UNAVAILABLE, "node is draining");
      }
    };
    RoutingHandler routes = Handlers.routing()
        .get("/ws", websocket)
        .post("/api/v1/rooms/{room}/messages", new PublishHandler(node))
        .get("/api/v1/rooms/{room}/messages", new HistoryHandler(node))
        .post("/admin/drain", ex -> {
          // Rolling restarts call this from the node's own host (a preStop hook); nobody else may.
          if (!ex.getSourceAddress().getAddress().isLoopbackAddress()) {
            text(ex, StatusCodes.FORBIDDEN, "only from the node's own host");
            return;
          }
          drain.run();
          text(ex, StatusCodes.ACCEPTED, "draining");
        })
        .get("/healthz", ex -> text(ex, StatusCodes.OK, "ok"))
        .get("/metrics", Metrics.endpoint(registry))
        .get("/readyz", ex -> {
          if (node.ready()) {
            text(ex, StatusCodes.OK, "ready");
          } else {
            text(ex, StatusCodes.SERVICE_UNAVAILABLE, "not ready");
          }
        })
        // Everything else: the demo page and the bundled JavaScript client, from the jar's web/ folder.
        .setFallbackHandler(Handlers.resource(new ClassPathResourceManager(RoomcastServer.class.getClassLoader(), "web"))
            .setWelcomeFiles("index.html")
            .setDirectoryListingEnabled(false))
        .setInvalidMethodHandler(ex -> {
          ex.setStatusCode(StatusCodes.METHOD_NOT_ALLOWED);
          ex.endExchange();
        });
    return routes;
  }

  /** A request to /ws that is not a WebSocket handshake. */
  private static void upgradeRequired(HttpServerExchange exchange) {
    exchange.getResponseHeaders().put(Headers.UPGRADE, "websocket");
    exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, "13");
    text(exchange, StatusCodes.UPGRADE_REQUIRED, "WebSocket handshake required");
  }

  private static void text(HttpServerExchange exchange, int status, String body) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
    exchange.getResponseSender().send(body + "\n");
  }

  /**
   * Drains the node (once; later calls return the same future): readiness turns false, new
   * handshakes get 503, and clients are sent away over the drain window.
   */
  public CompletableFuture<Void> drain() {
    if (drainStarted.compareAndSet(false, true)) {
      node.drain(drainWindow).whenComplete((v, e) -> drained.complete(null));
    }
    return drained;
  }

  /** Completes when a drain (from SIGTERM or the admin call) has sent every client away. */
  public CompletableFuture<Void> drained() {
    return drained;
  }

  public int port() {
    return port;
  }

  public Node node() {
    return node;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    if (ticker != null) ticker.close();
    undertow.stop();
    node.close();
  }
}
