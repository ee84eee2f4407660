package io.roomcast.server;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** The node's logging as a whole: logback, through an async appender (logback.xml). */
final class Logs {
  private Logs() {}

  /**
   * Stops logging, writing out the events the async appender still queues (for up to its
   * {@code maxFlushTime}); the last thing a node does before it exits. Later calls do nothing.
   */
  static void stop() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context && context.isStarted()) context.stop();
  }
}
