package io.roomcast.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.roomcast.core.Authenticator;
import io.roomcast.core.Broker;
import io.roomcast.core.MetricNames;
import io.roomcast.core.Node;
import io.roomcast.core.NodeSecurity;
import io.roomcast.protocol.WireFormat;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.protocol.Handshake;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.Options;
import org.xnio.Sequence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A roomcast node on Undertow: the public port for the WebSocket endpoint {@code /ws}, the HTTP
 * publish API and the health endpoints; the management port (its own Undertow, loopback by default)
 * for {@code /admin/*} and {@code /metrics}, which the public port answers with 404.
 */
public final class RoomcastServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoomcastServer.class);

  private final Undertow undertow;
  /** The management port's server: /admin/*, /metrics, health. */
  private final Undertow management;
  private final Node node;
  private final Authenticator authenticator;
  private final int port;
  private final int managementPort;
  private final java.time.Duration drainWindow;
  /** Publishes the demo page's ticker; null when off. */
  private final DemoTicker ticker;
  /** The drain, once started; completes when every client is gone. */
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private final AtomicBoolean drainStarted = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RoomcastServer(Undertow undertow, Undertow management, Node node, Authenticator authenticator, java.time.Duration drainWindow,
      DemoTicker ticker) {
    this.undertow = undertow;
    this.management = management;
    this.node = node;
    this.authenticator = authenticator;
    this.drainWindow = drainWindow;
    this.ticker = ticker;
    this.port = boundPort(undertow);
    this.managementPort = boundPort(management);
  }

  private static int boundPort(Undertow server) {
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** Starts a node on {@code broker} (which it owns and closes) and listens. */
  public static RoomcastServer start(ServerConfig config, Broker broker, MeterRegistry registry) {
    return start(config, broker, registry, Warmup.fromSystemProperty());
  }

  /** As {@link #start(ServerConfig, Broker, MeterRegistry)}, warming up with {@code warmup} before /readyz turns 200. */
  static RoomcastServer start(ServerConfig config, Broker broker, MeterRegistry registry, Warmup warmup) {
    SecurityConfig security = config.security();
    Authenticator authenticator = security.auth().keysConfigured()
        ? new JwtAuthenticator(security.auth(), config.presence().maxInfoBytes()) : Authenticator.open();
    Node node = Node.start(config.node(), broker, registry, new NodeSecurity(authenticator, security.publishRate(),
        security.auth().authenticationTimeout(), security.subscribeRate()),
        Brokers.presenceFor(broker, config.node().nodeId(), config.presence().config(), registry), config.presence().config());
    Undertow management = null;
    try {
      RoomcastServer[] self = new RoomcastServer[1];
      ManagementSettings m = config.management();
      management = Undertow.builder()
          .setIoThreads(1)
          .setWorkerThreads(2)
          .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, 10_000)
          .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
          .addHttpListener(m.port(), m.host())
          .setHandler(ManagementEndpoints.routes(node, registry, m.token(), () -> self[0].drain()))
          .build();
      management.start();
      int handshakeTimeoutMs = (int) Math.min(Integer.MAX_VALUE, security.connections().handshakeTimeout().toMillis());
      Undertow.ListenerBuilder listener = new Undertow.ListenerBuilder()
          .setPort(config.port())
          .setHost(config.host())
          .setUseProxyProtocol(security.proxies().proxyProtocol());
      if (warmup.enabled()) WARMING.add(node);
      Undertow.Builder builder = Undertow.builder()
          // Slowloris: a request (the handshake) must arrive whole in time, and an idle HTTP connection is closed.
          .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, handshakeTimeoutMs)
          .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, handshakeTimeoutMs)
          .setHandler(routes(config, node, registry, authenticator, warmup));
      if (config.ioThreads() > 0) builder.setIoThreads(config.ioThreads());
      if (security.tls().isPresent()) {
        TlsConfig tls = security.tls().get();
        listener.setType(Undertow.ListenerType.HTTPS).setSslContext(Tls.context(tls));
        builder.setSocketOption(Options.SSL_ENABLED_PROTOCOLS, Sequence.of(tls.protocols()));
      } else {
        listener.setType(Undertow.ListenerType.HTTP);
      }
      Undertow undertow = builder.addListener(listener).build();
      undertow.start();
      // the counter looked up once: the warm-up reads it before every publication it sends
      io.micrometer.core.instrument.Counter received = registry.counter(MetricNames.MESSAGES_RECEIVED);
      try {
        // before /readyz turns 200: the JIT compiles the hot paths first
        warmup.run(node, boundPort(undertow), security.publishRate().perSecond(), () -> (long) received.count());
      } finally {
        WARMING.remove(node);
      }
      RoomcastServer server = new RoomcastServer(undertow, management, node, authenticator, config.drainWindow(),
          config.demoTicker() ? DemoTicker.start(node) : null);
      self[0] = server;
      log.info("node {} listening on {}:{}, management (/admin, /metrics) on {}:{}{}", config.node().nodeId(), config.host(),
          server.port, m.host(), server.managementPort, m.token().isPresent() ? " with a token" : "");
      return server;
    } catch (RuntimeException e) {
      if (management != null) management.stop();
      node.close();
      authenticator.close();
      throw e;
    }
  }

  private static HttpHandler routes(ServerConfig config, Node node, MeterRegistry registry, Authenticator authenticator,
      Warmup warmup) {
    Set<String> subprotocols = new LinkedHashSet<>();
    Arrays.stream(WireFormat.values()).forEach(f -> subprotocols.add(f.subprotocol()));
    Set<Handshake> handshakes = Set.of(new GuardedHandshake(subprotocols, config.node().limits().maxMessageBytes(), registry));
    Deflate deflate = config.deflate().enabled()
        ? new Deflate(config.deflate(), config.node().limits().maxMessageBytes()) : null;
    if (deflate != null && deflate.shared() != null) {
      io.micrometer.core.instrument.FunctionCounter.builder(io.roomcast.core.MetricNames.DEFLATE_COMPRESSIONS,
          deflate.shared(), FrameDeflater::compressions).register(registry);
    }
    WebSocketProtocolHandshakeHandler upgrade = new WebSocketProtocolHandshakeHandler(handshakes,
        new WebSocketEndpoint(node, registry, config.closeTimeout(), deflate == null ? null : deflate.shared(), warmup),
        RoomcastServer::upgradeRequired);
    if (deflate != null) upgrade.addExtension(deflate);
    HttpHandler guarded = new HandshakeGuard(upgrade,
        config.security(), new ConnectionLimiter(config.security().connections()), authenticator,
        new HandshakeRejections(registry));
    HttpHandler websocket = ex -> {
      if (node.accepting()) {
        guarded.handleRequest(ex);
      } else { // draining: the load balancer already sends new clients elsewhere (readiness is off)
        registry.counter(io.roomcast.core.MetricNames.HANDSHAKES_REJECTED, "reason", "draining").increment();
        ex.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
        text(ex, StatusCodes.SERVICE_UNAVAILABLE, "node is draining");
      }
    };
    ApiCredentials credentials = new ApiCredentials(config.security().auth(), node.authenticator(), registry);
    RoutingHandler routes = Handlers.routing()
        .get("/ws", websocket)
        .post("/api/v1/rooms/{room}/messages", new PublishHandler(node, credentials,
            new ApiPublishRate(config.security().apiPublishRate(), registry)))
        .get("/api/v1/rooms/{room}/messages", new HistoryHandler(node, credentials))
        .get("/api/v1/rooms/{room}/presence", new PresenceHandler(node, credentials, false))
        .get("/api/v1/rooms/{room}/presence/stats", new PresenceHandler(node, credentials, true))
        .get("/healthz", ex -> text(ex, StatusCodes.OK, "ok"))
        .get("/readyz", readiness(node))
        // Everything else: the demo page and the bundled JavaScript client, from the jar's web/ folder.
        .setFallbackHandler(Handlers.resource(new ClassPathResourceManager(RoomcastServer.class.getClassLoader(), "web"))
            .setWelcomeFiles("index.html")
            .setDirectoryListingEnabled(false))
        .setInvalidMethodHandler(ex -> {
          ex.setStatusCode(StatusCodes.METHOD_NOT_ALLOWED);
          ex.endExchange();
        });
    // /admin/* and /metrics live on the management port only: here they are 404 in every spelling and method.
    return ex -> {
      if (ManagementPaths.isManagement(ex.getRequestPath())) {
        text(ex, StatusCodes.NOT_FOUND, "not found");
      } else {
        routes.handleRequest(ex);
      }
    };
  }

  /** Nodes still warming up ({@link Warmup}): not ready yet, on either port. */
  private static final java.util.Set<Node> WARMING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** {@code GET /readyz}: 200 while the node takes clients, 503 while it warms up, drains or its broker is away. */
  static HttpHandler readiness(Node node) {
    return ex -> {
      if (node.ready() && !WARMING.contains(node)) {
        text(ex, StatusCodes.OK, "ready");
      } else {
        text(ex, StatusCodes.SERVICE_UNAVAILABLE, "not ready");
      }
    };
  }

  /** A request to /ws that is not a WebSocket handshake. */
  private static void upgradeRequired(HttpServerExchange exchange) {
    exchange.getResponseHeaders().put(Headers.UPGRADE, "websocket");
    exchange.getResponseHeaders().put(Headers.SEC_WEB_SOCKET_VERSION, "13");
    text(exchange, StatusCodes.UPGRADE_REQUIRED, "WebSocket handshake required");
  }

  static void text(HttpServerExchange exchange, int status, String body) {
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
      if (ticker != null) ticker.close();
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

  /** The management port's actual port (the configured one, or the one picked for 0). */
  public int managementPort() {
    return managementPort;
  }

  public Node node() {
    return node;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    if (ticker != null) ticker.close();
    undertow.stop();
    management.stop();
    node.close();
    authenticator.close();
  }
}
