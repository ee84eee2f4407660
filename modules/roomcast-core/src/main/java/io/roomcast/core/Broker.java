package io.roomcast.core;

import java.util.concurrent.CompletionStage;

/**
 * Carries publications between the nodes of a cluster and assigns each room's offsets. A node
 * subscribes to a room when its first local member joins and unsubscribes after the last leaves, so
 * broker traffic grows with (nodes x busy rooms), not with connections.
 *
 * <p>Methods never block the caller; their stages complete on broker threads. A stage fails with
 * {@link BrokerUnavailableException} when the broker cannot be reached, within the broker's timeout.
 */
public interface Broker extends AutoCloseable {
  /** Publications of subscribed rooms go to {@code listener} from now on. Called once, before anything else. */
  void start(BrokerListener listener);

  /** Completes once publications of {@code room} made from now on will reach the listener. Idempotent. */
  CompletionStage<Void> subscribe(String room);

  /** Completes once the listener hears no more of {@code room}. Idempotent. */
  CompletionStage<Void> unsubscribe(String room);

  /**
   * Assigns the next offset of the room, records the message in the room's history where the broker
   * keeps one, and delivers it to every subscribed node. Completes with the publication as delivered.
   */
  default CompletionStage<Publication> publish(String room, Payload payload) {
    return publish(room, payload, null);
  }

  /**
   * As {@link #publish(String, Payload)}, made safe to retry: when {@code idempotencyKey} is not null,
   * a publish with the same key in the same room within the broker's idempotency window is stored and
   * delivered once, and every repeat (from any node, including a command the broker's client re-sent
   * after a reconnect) completes with the publication the first one made, same offset and epoch, without
   * delivering it again. The decision is atomic with the offset assignment.
   *
   * @param idempotencyKey at most 64 bytes of UTF-8, or null for a publish that is not deduplicated
   */
  CompletionStage<Publication> publish(String room, Payload payload, String idempotencyKey);

  /** The room's latest position: every publication after it reaches a listener subscribed before this call. */
  CompletionStage<StreamPosition> position(String room);

  /**
   * The messages of {@code room} after {@code since}, at most {@code limit}, read atomically with the
   * room's latest position. A broker without history answers {@link History#lost}.
   */
  default CompletionStage<History> history(String room, StreamPosition since, int limit) {
    return position(room).thenApply(History::lost);
  }

  /** Whether the broker is reachable now (for readiness); a hint, never a guarantee. */
  default boolean available() {
    return true;
  }

  @Override
  void close();
}
