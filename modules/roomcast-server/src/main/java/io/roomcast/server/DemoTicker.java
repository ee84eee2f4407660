package io.roomcast.server;

import io.roomcast.core.Node;
import io.roomcast.core.Payload;
import io.roomcast.core.RequestRejectedException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A backend publisher for the demo page: every interval it publishes made-up prices (a random walk)
 * to room {@value #ROOM} through the node, as any backend would through the HTTP API. Started by
 * {@code roomcast.demo.ticker = true}. The payload is JSON text:
 * {@code {"seq":7,"quotes":[{"symbol":"ACME","price":101.37,"change":0.21},...]}}.
 */
final class DemoTicker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoTicker.class);
  static final String ROOM = "ticker";
  static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final String[] SYMBOLS = {"ACME", "GLOBX", "INITECH", "UMBRL", "WAYNE"};

  private final Node node;
  private final ScheduledExecutorService timer;
  /** The last price of each symbol, as SYMBOLS; touched only on the timer thread. */
  private final double[] prices = new double[SYMBOLS.length];
  /** Ticks published so far; touched only on the timer thread. */
  private long seq;

  private DemoTicker(Node node) {
    this.node = node;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "roomcast-demo-ticker");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < prices.length; i++) prices[i] = 50 + 25 * i;
  }

  static DemoTicker start(Node node) {
    DemoTicker ticker = new DemoTicker(node);
    ticker.timer.scheduleAtFixedRate(ticker::tick, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    log.info("demo ticker publishing to room {} every {} ms (roomcast.demo.ticker)", ROOM, INTERVAL.toMillis());
    return ticker;
  }

  private void tick() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder json = new StringBuilder(256).append("{\"seq\":").append(++seq).append(",\"quotes\":[");
    for (int i = 0; i < SYMBOLS.length; i++) {
      double before = prices[i];
      prices[i] = Math.max(1, before * (1 + random.nextGaussian() * 0.004));
      if (i > 0) json.append(',');
      json.append(String.format(Locale.ROOT, "{\"symbol\":\"%s\",\"price\":%.2f,\"change\":%.2f}",
          SYMBOLS[i], prices[i], prices[i] - before));
    }
    json.append("]}");
    try {
      node.publish(ROOM, Payload.text(json.toString())).whenComplete((p, failure) -> {
        if (failure != null) log.debug("demo tick not published: {}", failure.toString());
      });
    } catch (RequestRejectedException | IllegalStateException e) {
      log.debug("demo tick not published: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
