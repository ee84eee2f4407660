package io.roomcast.core;

/**
 * Every metric name of roomcast, in one place. Tags are low-cardinality only: never a room, user or
 * session id.
 */
public final class MetricNames {
  private MetricNames() {}

  /** Gauge: connections open now. */
  public static final String CONNECTIONS_OPEN = "roomcast.connections.open";
  /** Counter: connections accepted (upgrade done). */
  public static final String CONNECTIONS_OPENED = "roomcast.connections.opened";
  /** Counter: connections closed, tag {@code code} = the close code. */
  public static final String CONNECTIONS_CLOSED = "roomcast.connections.closed";
  /** Counter: requests refused with an error frame, tags {@code request} and {@code code}. */
  public static final String REQUESTS_REJECTED = "roomcast.requests.rejected";
  /** Counter: incoming WebSocket messages that could not be decoded or were of the wrong type, tag {@code reason}. */
  public static final String FRAMES_MALFORMED = "roomcast.frames.malformed";
  /** Counter: messages published through this node (WebSocket and HTTP), tag {@code via}. */
  public static final String MESSAGES_PUBLISHED = "roomcast.messages.published";
  /** Counter: publications received from the broker for rooms with local members. */
  public static final String MESSAGES_RECEIVED = "roomcast.messages.received";
  /** Counter: publications the broker delivered to this node a second time (same epoch, offset and time), dropped. */
  public static final String MESSAGES_REPEATED = "roomcast.messages.repeated";
  /** Counter: message frames handed to sessions' outbound queues. */
  public static final String MESSAGES_DELIVERED = "roomcast.messages.delivered";
  /** Distribution: frames per outbound WebSocket message. */
  public static final String BATCH_FRAMES = "roomcast.batch.frames";
  /** Counter: sessions cut off because their outbound queue overflowed. */
  public static final String SLOW_CONSUMERS = "roomcast.slow.consumers";
  /** Counter: frames compressed for permessage-deflate in the shared mode (once per frame and wire format, not per client). */
  public static final String DEFLATE_COMPRESSIONS = "roomcast.deflate.compressions";
  /** Room messages a lagging client's queue dropped (slow-consumer policy drop-oldest). */
  public static final String MESSAGES_DROPPED = "roomcast.messages.dropped";
  /** Counter: subscribes that asked to resume from a position, tag {@code outcome} = recovered | lost. */
  public static final String RECOVERIES = "roomcast.recoveries";
  /** Counter: offsets skipped on a live room (a message lost on the way), tag {@code outcome} = repaired | lost. */
  public static final String GAPS = "roomcast.gaps";
  /** Counter: sessions closed because they did not answer a ping in time. */
  public static final String HEARTBEAT_TIMEOUTS = "roomcast.heartbeat.timeouts";
  /** Counter: connections closed with 4001 because their token expired unrefreshed. */
  public static final String CONNECTIONS_CLOSED_EXPIRED = "roomcast.tokens.expired";
  /** Counter: connections closed with 4003 because no valid token came within the authentication timeout. */
  public static final String CONNECTIONS_CLOSED_UNAUTHENTICATED = "roomcast.tokens.missing";
  /** Counter: HTTP API requests refused for want of a valid credential, tag {@code code} (401); a missing right counts in requests.rejected with request=http_publish. */
  public static final String HTTP_REJECTED = "roomcast.http.rejected";
  /** Counter: handshakes refused before the upgrade, tag {@code reason}. */
  public static final String HANDSHAKES_REJECTED = "roomcast.handshakes.rejected";
  /**
   * Timer (Prometheus histogram): from the broker's time of a publication to the moment this node
   * hands it to its sessions. Includes clock skew between Redis and the node.
   */
  public static final String DELIVERY_LATENCY = "roomcast.delivery.latency";
  /** Gauge: bytes waiting in sessions' outbound queues (behind the write in flight), summed per I/O thread. */
  public static final String OUTBOUND_QUEUED_BYTES = "roomcast.outbound.queued.bytes";
  /**
   * Counter: bytes of WebSocket message payloads received from clients, tag {@code layer}: {@code message}
   * (before decompression; the wire layer joins when compression does).
   */
  public static final String BYTES_RECEIVED = "roomcast.bytes.received";
  /** Counter: bytes of WebSocket message payloads sent to clients, tag {@code layer} as for {@link #BYTES_RECEIVED}. */
  public static final String BYTES_SENT = "roomcast.bytes.sent";
  /** Timer: broker publish round trips, tag {@code outcome} = ok | error. */
  public static final String BROKER_PUBLISH = "roomcast.broker.publish";
  /** Counter: broker publishes that failed, tag {@code reason} = unavailable | error. */
  public static final String BROKER_PUBLISH_ERRORS = "roomcast.broker.publish.errors";
  /** Gauge: rooms this node holds a broker (Redis) subscription for, or lingers in, each session's own room included. */
  public static final String BROKER_SUBSCRIPTIONS = "roomcast.broker.subscriptions";
  /** Counter: requests that failed on an unexpected exception (a bug), answered 500, tag {@code request}. */
  public static final String REQUESTS_FAILED = "roomcast.requests.failed";
  /** Counter: unsolicited {@code subscribed {recovered: false}} resets told to clients (an offset regressed, a new epoch, a gap history could not fill). */
  public static final String STREAM_RESETS = "roomcast.stream.resets";
  /**
   * Counter: history reads for recoveries and repairs, tag {@code source}: {@code broker} (a round trip)
   * or {@code shared} (served by a read of the same room and position already in flight).
   */
  public static final String HISTORY_READS = "roomcast.history.reads";
  /** Counter: history or position reads tried again after a passing broker failure. */
  public static final String HISTORY_RETRIES = "roomcast.history.retries";
  /** Counter: broker subscriptions remade after a break (reconnect, failover), each followed by a repair of the room's members. */
  public static final String BROKER_RESUBSCRIPTIONS = "roomcast.broker.resubscriptions";
}
