package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.roomcast.core.MetricNames;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class HandshakeRejectionsTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(HandshakeRejections.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicLong now = new AtomicLong();
  private final HandshakeRejections rejections = new HandshakeRejections(registry, Duration.ofMinutes(1), now::get);

  @BeforeEach
  void listen() {
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void stopListening() {
    logger.detachAppender(lines);
  }

  @Test
  void countsEveryRefusalButWarnsOncePerIntervalWithTheCountsByReason() {
    for (int i = 0; i < 10_000; i++) rejections.record(i % 2 == 0 ? Rejection.BAD_KEY : Rejection.ORIGIN, "192.0.2.1");
    now.addAndGet(Duration.ofSeconds(59).toNanos());
    rejections.record(Rejection.BAD_KEY, "192.0.2.1");
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    rejections.record(Rejection.NODE_FULL, "192.0.2.1");

    assertThat(registry.counter(MetricNames.HANDSHAKES_REJECTED, "reason", "bad_key").count()).isEqualTo(5_001);
    assertThat(registry.counter(MetricNames.HANDSHAKES_REJECTED, "reason", "origin").count()).isEqualTo(5_000);
    var warnings = lines.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0)).contains("bad_key=1");
    assertThat(warnings.get(1)).contains("bad_key=5000", "origin=5000", "node_full=1");
  }
}
