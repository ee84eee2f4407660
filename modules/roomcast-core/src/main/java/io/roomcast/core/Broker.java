package io.roomcast.core;

import java.util.List;
import java.util.concurrent.CompletableFuture;
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
  CompletionStage<Publication> publish(String room, Payload payload);

  /** The room's latest position: every publication after it reaches a listener subscribed before this call. */
  CompletionStage<StreamPosition> position(String room);

  /**
   * The room's publications after offset {@code after}, oldest first, at most {@code limit}, as far as
   * the broker's history reaches back. Each carries its epoch: an epoch other than the caller's, or a
   * first offset above {@code after + 1}, means the history cannot fill the caller's gap. A broker that
   * keeps no history fails the stage with {@link UnsupportedOperationException}.
   */
  default CompletionStage<List<Publication>> history(String room, long after, int limit) {
    return CompletableFuture.failedFuture(new UnsupportedOperationException(getClass().getSimpleName() + " keeps no history"));
  }

  /** Whether the broker is reachable now (for readiness); a hint, never a guarantee. */
  default boolean available() {
    return true;
  }

  @Override
  void close();
}
