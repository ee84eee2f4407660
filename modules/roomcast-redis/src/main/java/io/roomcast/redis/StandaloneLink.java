package io.roomcast.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
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
  /** Replaced by {@link #relink()} after a Sentinel failover; otherwise set once. */
  private volatile StatefulRedisConnection<byte[], byte[]> commands;
  /** Replaced with {@link #commands}. */
  private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
  /** Guards {@link #relink()}: one at a time, and the one that starts during another runs after it. */
  private final AtomicInteger relinks = new AtomicInteger();
  /** Present on Sentinel only. */
  private final SentinelWatch watch;
  /** Set once by {@link #close()}; a relink finishing afterwards closes what it opened. */
  private volatile boolean closed;

  StandaloneLink(RedisClient client, RedisURI uri, Sink sink) {
    this.client = client;
    this.uri = uri;
    this.sink = sink;
    client.addListener(new RedisConnectionStateAdapter() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
        if (connection instanceof StatefulRedisPubSubConnection) sink.onPubSubConnected();
      }
    });
    StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uri);
    try {
      this.pubsub = client.connectPubSub(ByteArrayCodec.INSTANCE, uri);
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    this.commands = c;
    this.listener = new RedisPubSubAdapter<>() {
      @Override
      public void message(byte[] channel, byte[] message) {
        sink.onMessage(channel, message);
      }
    };
    pubsub.addListener(listener);
    this.watch = uri.getSentinels().isEmpty() ? null : new SentinelWatch(client, uri, this::relink);
  }

  /**
   * Opens new connections to the primary the sentinels name now, swaps them in, closes the old ones
   * and has the broker restore its subscriptions on the new pub/sub connection.
   */
  void relink() {
    if (relinks.getAndIncrement() > 0) return; // one is running; it will loop once more
    CompletableFuture<StatefulRedisConnection<byte[], byte[]>> c =
        client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
    CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> p =
        client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
    c.thenCombine(p, (newCommands, newPubsub) -> {
      StatefulRedisConnection<byte[], byte[]> oldCommands;
      StatefulRedisPubSubConnection<byte[], byte[]> oldPubsub;
      synchronized (this) { // against close(): either it closes the new pair, or we never swap
        if (closed) throw new IllegalStateException("link closed during a relink");
        newPubsub.addListener(listener);
        oldCommands = commands;
        oldPubsub = pubsub;
        commands = newCommands;
        pubsub = newPubsub;
      }
      oldPubsub.closeAsync();
      oldCommands.closeAsync();
      sink.onPubSubConnected();
      return null;
    }).whenComplete((ok, failure) -> {
      if (failure != null) {
        // the old connections stay; Lettuce's own reconnects (and Sentinel cutting them) still follow the primary
        c.thenAccept(StatefulRedisConnection::closeAsync);
        p.thenAccept(StatefulRedisPubSubConnection::closeAsync);
      }
      if (relinks.getAndSet(0) > 1 && !closed) relink();
    });
  }

  @Override
  public RedisScriptingAsyncCommands<byte[], byte[]> scripting() {
    return commands.async();
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
    return commands.isOpen() && pubsub.isOpen();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    if (watch != null) watch.close();
    pubsub.close();
    commands.close();
    client.shutdown();
  }
}
