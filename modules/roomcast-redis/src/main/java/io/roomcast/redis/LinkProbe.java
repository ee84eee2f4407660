package io.roomcast.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the broker's link end to end: every {@code interval} it publishes a token on the node's probe
 * channel through the command connection and waits for it on the pub/sub connection. A token that has
 * not come back after {@code timeout} marks the link dead ({@link #healthy()} false, so the node is
 * not ready) and has it reconnect: a frozen server or a connection that died without a reset would
 * otherwise look open for as long as TCP keepalive takes (hours), while the node hears nothing. When a
 * token comes back after a failure, the link is alive again and {@code onRecovered} runs (the broker
 * then resubscribes every room and asks for repair).
 *
 * <p>Only a silent link can fail: a probe that is late while channel messages keep arriving is stuck
 * behind them (a busy node, a backlog draining), not lost, so the link counts as alive. Probes are sent
 * whatever the traffic: one PUBLISH per interval per node is nothing for Redis.
 */
final class LinkProbe {
  private static final Logger log = LoggerFactory.getLogger(LinkProbe.class);

  private final Supplier<RedisLink> link;
  private final ScheduledExecutorService scheduler;
  private final Duration timeout;
  private final Runnable onRecovered;
  private final Counter ok;
  private final Counter failed;
  /** The last token sent. */
  private final AtomicLong sent = new AtomicLong();
  /** The token on its way, or 0 when none is. */
  private final AtomicLong outstanding = new AtomicLong();
  /** False from a probe that did not come back until one does. */
  private volatile boolean healthy = true;
  /** When the probe on its way was sent, System.nanoTime(). */
  private volatile long sentAt;
  /** When the pub/sub connection last delivered anything, System.nanoTime(); written on every message. */
  private volatile long lastHeard;

  LinkProbe(Supplier<RedisLink> link, ScheduledExecutorService scheduler, Duration interval, Duration timeout,
      MeterRegistry registry, Runnable onRecovered) {
    this.link = link;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.onRecovered = onRecovered;
    this.ok = Counter.builder(RedisMetrics.PROBES).tag("outcome", "ok").register(registry);
    this.failed = Counter.builder(RedisMetrics.PROBES).tag("outcome", "failed").register(registry);
    long every = interval.toMillis();
    scheduler.scheduleWithFixedDelay(this::send, every, every, TimeUnit.MILLISECONDS);
  }

  /** Whether the last probe came back (or none failed yet). */
  boolean healthy() {
    return healthy;
  }

  private void send() {
    RedisLink l = link.get();
    if (l == null || outstanding.get() != 0) return;
    long token = sent.incrementAndGet();
    sentAt = System.nanoTime();
    outstanding.set(token);
    try {
      l.probe(Long.toString(token).getBytes(StandardCharsets.US_ASCII));
    } catch (RuntimeException rejected) {
      // disconnected: the token will not come back, and that is the answer
    }
    try {
      scheduler.schedule(() -> expire(token), timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // the broker is closing
    }
  }

  private void expire(long token) {
    if (!outstanding.compareAndSet(token, 0)) return; // it came back
    if (lastHeard - sentAt > 0) return; // late behind channel traffic that keeps coming: not silent, not dead
    failed.increment();
    RedisLink l = link.get();
    boolean open = l != null && l.connected();
    if (healthy) {
      healthy = false;
      log.warn("redis liveness probe {} did not come back within {}; {}", token, timeout,
          open ? "reconnecting the link" : "the client is reconnecting");
    }
    // When the client knows the connection is down it is reconnecting already; a link that looks open
    // but carries nothing is what only this probe finds.
    if (open) l.reconnect();
  }

  /** The pub/sub connection delivered something (any channel): it is not silent. */
  void traffic() {
    lastHeard = System.nanoTime();
  }

  /** A message on the probe channel: one of our tokens came back through Redis. */
  void heard(byte[] message) {
    long token;
    try {
      token = Long.parseLong(new String(message, StandardCharsets.US_ASCII));
    } catch (NumberFormatException notOurs) {
      return;
    }
    if (token <= 0 || token > sent.get()) return;
    outstanding.compareAndSet(token, 0);
    ok.increment();
    if (!healthy) {
      healthy = true;
      log.info("redis liveness probe {} came back: the link is alive again", token);
      onRecovered.run();
    }
  }
}
