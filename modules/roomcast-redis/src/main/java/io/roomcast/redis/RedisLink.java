package io.roomcast.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The broker's connections to one Redis deployment: one for commands, one (or one per Cluster node)
 * for pub/sub. Hides whether channels are classic (standalone, Sentinel) or sharded (Cluster).
 */
interface RedisLink extends AutoCloseable {
  /** Where channel traffic goes; called on Lettuce's I/O threads, one connection's messages in order. */
  interface Sink {
    void onMessage(byte[] channel, byte[] message);

    /** Redis dropped a subscription by itself (a Cluster slot moved away); the broker decides whether to restore it. */
    void onDropped(byte[] channel);

    /**
     * A pub/sub connection (re)connected, so what it held may be gone. Only pub/sub connections
     * count: the client's other connections (commands, topology probes) come and go without it.
     */
    void onPubSubConnected();

    /**
     * The channels of the rooms wanted now, in groups that one subscribe may carry: what a new pub/sub
     * connection subscribes to before it replaces the old one, so that nothing is missed in between.
     */
    List<List<byte[]>> wantedChannels();
  }

  RedisScriptingAsyncCommands<byte[], byte[]> scripting();

  /**
   * One server connection to the primary that serves {@code key}, for a write followed by {@code WAIT}
   * on the same connection (WAIT counts the replicas that hold the connection's last write). Not the
   * connection every other command shares, where a WAIT would hold back whatever follows it.
   */
  CompletionStage<RedisAsyncCommands<byte[], byte[]>> durable(byte[] key);

  /**
   * Publishes {@code token} on the node's probe channel, which the link's pub/sub connection is
   * subscribed to (from its construction on, and after every reconnect): its arrival in
   * {@link Sink#onMessage} shows that commands and channel traffic both pass.
   */
  CompletionStage<Long> probe(byte[] token);

  /**
   * Replaces the connections with new ones (a probe did not come back: the old ones may be dead while
   * the socket still looks open); the new pub/sub connection reports {@link Sink#onPubSubConnected()}.
   */
  void reconnect();

  /** True on Cluster: SSUBSCRIBE/SPUBLISH, and one subscribe call may only carry channels of one slot. */
  boolean sharded();

  /** Subscribes to all of {@code channels}; when {@link #sharded()}, they must share one slot. Idempotent. */
  CompletionStage<Void> subscribe(List<byte[]> channels);

  CompletionStage<Void> unsubscribe(byte[] channel);

  /** Whether the connections are up now, as far as the client knows. */
  boolean connected();

  @Override
  void close();
}
