package io.roomcast.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single Redis server, or the primary that Sentinel names: Lettuce asks the sentinels again on every
 * reconnect, and on a {@code +switch-master} announcement the link reconnects at once
 * ({@link SentinelWatch}). Classic SUBSCRIBE/PUBLISH, so that a backend's plain {@code PUBLISH}
 * reaches the room.
 */
final class StandaloneLink implements RedisLink {
  private final RedisClient client;
  private final RedisURI uri;
  private final Sink sink;
  private final RedisPubSubAdapter<byte[], byte[]> listener;
  /** The node's probe channel, subscribed on every pub/sub connection this link opens. */
  private final byte[] probeChannel;
  /** Whether publishes wait for replicas, and thus get a connection of their own. */
  private final boolean durablePublishes;
  /** Replaced by {@link #relink()} after a Sentinel failover or a failed probe; otherwise set once. */
  private volatile StatefulRedisConnection<byte[], byte[]> commands;
  /** Replaced with {@link #commands}. */
  private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
  /** Publishes followed by WAIT; null unless {@link #durablePublishes}. Replaced with {@link #commands}. */
  private volatile StatefulRedisConnection<byte[], byte[]> durable;
  /** Guards {@link #relink()}: one at a time, and the one that starts during another runs after it. */
  private final AtomicInteger relinks = new AtomicInteger();
  /** Present on Sentinel only. */
  private final SentinelWatch watch;
  /** Set once by {@link #close()}; a relink finishing afterwards closes what it opened. */
  private volatile boolean closed;

  StandaloneLink(RedisClient client, RedisURI uri, Sink sink, byte[] probeChannel, boolean durablePublishes) {
    this.client = client;
    this.uri = uri;
    this.sink = sink;
    this.probeChannel = probeChannel;
    this.durablePublishes = durablePublishes;
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
        if (connection instanceof StatefulRedisPubSubConnection) sink.onPubSubConnected();
      }
    });
    this.listener = new RedisPubSubAdapter<>() {
      @Override
      public void message(byte[] channel, byte[] message) {
        sink.onMessage(channel, message);
      }
    };
    StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uri);
    StatefulRedisConnection<byte[], byte[]> d = null;
    try {
      this.pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE, uri);
      pubsub.addListener(listener);
      pubsub.sync().subscribe(probeChannel);
      if (durablePublishes) d = client.connect(ByteArrayCodec.INSTANCE, uri);
    } catch (RuntimeException e) {
      c.close();
      if (pubsub != null) pubsub.close();
      throw e;
    }
    this.commands = c;
    this.durable = d;
    this.watch = uri.getSentinels().isEmpty() ? null : new SentinelWatch(client, uri, this::relink);
  }

  /**
   * Opens new connections to the primary the sentinels name now (or the server, when standalone),
   * swaps them in, closes the old ones and has the broker restore its subscriptions on the new pub/sub
   * connection.
   */
  void relink() {
    if (relinks.getAndIncrement() > 0) return; // one is running; it will loop once more
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> c =
        client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> d = durablePublishes
        ? client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
        : CompletableFuture.completedFuture(null);
    CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> p =
        client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
            .thenCompose(ps -> {
              ps.addListener(listener);
              // the probe channel and every wanted room before the swap: the old connection still
              // delivers meanwhile, so nothing falls in between (a message may come twice; the node
              // drops an offset it has)
              List<CompletableFuture<Void>> subscribed = new java.util.ArrayList<>();
              subscribed.add(ps.async().subscribe(probeChannel).toCompletableFuture());
              for (List<byte[]> group : sink.wantedChannels()) {
                subscribed.add(ps.async().subscribe(group.toArray(new byte[0][])).toCompletableFuture());
              }
              return CompletableFuture.allOf(subscribed.toArray(new CompletableFuture<?>[0])).thenApply(ok -> ps);
            });
    CompletableFuture.allOf(c, d, p).thenApply(allDone -> {
      StatefulRedisConnection<byte[], byte[]> newCommands = c.join();
      StatefulRedisPubSubConnection<byte[], byte[]> newPubsub = p.join();
      StatefulRedisConnection<byte[], byte[]> newDurable = d.join();
      StatefulRedisConnection<byte[], byte[]> oldCommands;
      StatefulRedisPubSubConnection<byte[], byte[]> oldPubsub;
      StatefulRedisConnection<byte[], byte[]> oldDurable;
      synchronized (this) { // against close(): either it closes the new pair, or we never swap
        if (closed) throw new IllegalStateException("link closed during a relink");
        oldCommands = commands;
        oldPubsub = pubsub;
        oldDurable = durable;
        commands = newCommands;
        pubsub = newPubsub;
        durable = newDurable;
      }
      oldPubsub.closeAsync();
      oldCommands.closeAsync();
      if (oldDurable != null) oldDurable.closeAsync();
      sink.onPubSubConnected();
      return null;
    }).whenComplete((ok, failure) -> {
      if (failure != null) {
        // the old connections stay; Lettuce's own reconnects (and Sentinel cutting them) still follow the primary
        c.thenAccept(StatefulRedisConnection::closeAsync);
        p.thenAccept(StatefulRedisPubSubConnection::closeAsync);
        d.thenAccept(x -> {
          if (x != null) x.closeAsync();
        });
      }
      if (relinks.getAndSet(0) > 1 && !closed) relink();
    });
  }

  @Override
  public RedisScriptingAsyncCommands<byte[], byte[]> scripting() {
    return commands.async();
  }

  @Override
  public CompletionStage<RedisAsyncCommands<byte[], byte[]>> durable(byte[] key) {
    StatefulRedisConnection<byte[], byte[]> d = durable;
    if (d == null) throw new IllegalStateException("publishReplicas is 0: no durable connection");
    return CompletableFuture.completedFuture(d.async());
  }

  @Override
  public CompletionStage<Long> probe(byte[] token) {
    return commands.async().publish(probeChannel, token);
  }

  @Override
  public void reconnect() {
    relink();
  }

  @Override
  public boolean sharded() {
    return false;
  }

  @Override
  public CompletionStage<Void> subscribe(List<byte[]> channels) {
    return pubsub.async().subscribe(channels.toArray(new byte[0][]));
  }

  @Override
  public CompletionStage<Void> unsubscribe(byte[] channel) {
    return pubsub.async().unsubscribe(channel);
  }

  @Override
  public boolean connected() {
    StatefulRedisConnection<byte[], byte[]> d = durable;
    return commands.isOpen() && pubsub.isOpen() && (d == null || d.isOpen());
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    if (watch != null) watch.close();
    pubsub.close();
    commands.close();
    StatefulRedisConnection<byte[], byte[]> d = durable;
    if (d != null) d.close();
    client.shutdown();
  }
}
