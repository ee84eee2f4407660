package io.roomcast.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Redis Cluster with sharded pub/sub. Lettuce routes each SSUBSCRIBE by its first channel's slot to a
 * pub/sub connection to the node owning that slot (following MOVED), so a room's messages arrive on one
 * connection, in order. Lettuce's own resubscription after a node restart sends all of a connection's
 * channels in one SSUBSCRIBE, which Redis refuses with CROSSSLOT when they span slots (lettuce issue
 * 3213); the broker restores subscriptions itself, slot by slot.
 */
final class ClusterLink implements RedisLink {
  private final RedisClusterClient client;
  private final StatefulRedisClusterConnection<byte[], byte[]> commands;
  private final StatefulRedisClusterPubSubConnection<byte[], byte[]> pubsub;
  private final byte[] probeChannel;
  private final Sink sink;

  /**
   * The probe channel is a classic one (SUBSCRIBE/PUBLISH, which Redis Cluster broadcasts to every
   * node): it checks the command connection and the pub/sub connection Lettuce keeps for classic
   * channels, not each node's sharded one; those are watched by the SUNSUBSCRIBE pushes and topology
   * events.
   */
  ClusterLink(RedisClusterClient client, Sink sink, byte[] probeChannel) {
    this.probeChannel = probeChannel;
    this.sink = sink;
    this.client = client;
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
        if (connection instanceof StatefulRedisPubSubConnection) sink.onPubSubConnected();
      }
    });
    StatefulRedisClusterConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
    try {
      this.pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    this.commands = c;
    pubsub.setNodeMessagePropagation(true);
    pubsub.addListener(new RedisClusterPubSubAdapter<>() {
      @Override
      public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
        sink.onMessage(channel, message);
      }

      @Override
      public void message(RedisClusterNode node, byte[] channel, byte[] message) {
        sink.onMessage(channel, message);
      }

      @Override
      public void sunsubscribed(RedisClusterNode node, byte[] channel, long count) {
        sink.onDropped(channel);
      }
    });
    try {
      pubsub.sync().subscribe(probeChannel);
    } catch (RuntimeException e) {
      pubsub.close();
      commands.close();
      throw e;
    }
  }

  @Override
  public CompletionStage<RedisAsyncCommands<byte[], byte[]>> durable(byte[] key) {
    // the master's own connection (the one routed commands use): WAIT must follow the write on it
    RedisClusterNode master = commands.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
    if (master == null) return CompletableFuture.failedFuture(new io.lettuce.core.RedisConnectionException("no master serves the slot of the room"));
    return commands.getConnectionAsync(master.getNodeId()).thenApply(StatefulRedisConnection::async);
  }

  @Override
  public CompletionStage<Long> probe(byte[] token) {
    return commands.async().publish(probeChannel, token);
  }

  /** Lettuce keeps one connection per node and reconnects them itself; here a fresh slot map, then a restore. */
  @Override
  public void reconnect() {
    refreshTopology().whenComplete((ok, failure) -> sink.onPubSubConnected());
  }

  /** Asks the cluster for its slot map now, after a slot moved or a node came back. */
  CompletionStage<Void> refreshTopology() {
    return client.refreshPartitionsAsync();
  }

  @Override
  public RedisScriptingAsyncCommands<byte[], byte[]> scripting() {
    return commands.async();
  }

  @Override
  public boolean sharded() {
    return true;
  }

  @Override
  public CompletionStage<Void> subscribe(List<byte[]> channels) {
    return pubsub.async().ssubscribe(channels.toArray(new byte[0][]));
  }

  @Override
  public CompletionStage<Void> unsubscribe(byte[] channel) {
    return pubsub.async().sunsubscribe(channel);
  }

  @Override
  public boolean connected() {
    return commands.isOpen() && pubsub.isOpen();
  }

  @Override
  public void close() {
    pubsub.close();
    commands.close();
    client.shutdown();
  }
}
