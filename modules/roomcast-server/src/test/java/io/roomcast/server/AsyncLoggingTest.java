package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.Test;

/**
 * The node's logback.xml (read as the node reads it, into a context of the test's own): every event
 * goes through an async appender that never blocks, to the plain or JSON console appender that
 * ROOMCAST_LOG_FORMAT picks; and a thread that logs is never held by a stalled stdout.
 */
class AsyncLoggingTest {
  private static LoggerContext configured(String format) throws Exception {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as slf4j's provider does for the node's
    if (format != null) context.putProperty("ROOMCAST_LOG_FORMAT", format); // looked up before the environment
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(AsyncLoggingTest.class.getResource("/logback.xml"));
    return context;
  }

  private static AsyncAppender async(LoggerContext context) {
    return (AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("async");
  }

  @Test
  void everyEventGoesThroughAnAsyncAppenderThatNeverBlocksToTheChosenFormat() throws Exception {
    LoggerContext plain = configured(null);
    try {
      AsyncAppender async = async(plain);
      assertThat(async).as("the root's only appender").isNotNull();
      assertThat(plain.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).toIterable().hasSize(1);
      assertThat(async.isNeverBlock()).isTrue();
      assertThat(async.isIncludeCallerData()).isFalse();
      assertThat(async.getAppender("plain")).isInstanceOf(ConsoleAppender.class);
    } finally {
      plain.stop();
    }
    LoggerContext json = configured("json");
    try {
      OutputStreamAppender<?> out = (OutputStreamAppender<?>) async(json).getAppender("json");
      assertThat(out.getEncoder()).isInstanceOf(LogstashEncoder.class);
    } finally {
      json.stop();
    }
  }

  @Test
  void aStalledStdoutNeverHoldsTheThreadThatLogs() throws Exception {
    CountDownLatch unstall = new CountDownLatch(1);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    PrintStream stalled = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        try {
          unstall.await(); // a full pipe: the writer waits until the reader reads
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        synchronized (written) {
          written.write(b, off, len);
        }
      }
    }, true, StandardCharsets.UTF_8);
    PrintStream stdout = System.out;
    System.setOut(stalled);
    LoggerContext context = configured(null);
    try {
      org.slf4j.Logger log = context.getLogger("io.roomcast.test");
      // With a console appender on the root, the first call would wait for the stalled stdout forever.
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        for (int i = 0; i < 20_000; i++) log.warn("event {}", i, new IllegalStateException("with a stack trace"));
      });
    } finally {
      unstall.countDown();
      context.stop(); // writes out the queue
      System.setOut(stdout);
    }
    synchronized (written) {
      assertThat(written.toString(StandardCharsets.UTF_8)).as("events still reach stdout once it flows").contains("event 0 ");
    }
  }
}
