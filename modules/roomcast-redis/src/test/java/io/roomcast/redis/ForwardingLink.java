package io.roomcast.redis;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** A link that does what another does; tests override the calls they want to steer. */
class ForwardingLink implements RedisLink {
  private final RedisLink delegate;

  ForwardingLink(RedisLink delegate) {
    this.delegate = delegate;
  }

  @Override
  public RedisScriptingAsyncCommands<byte[], byte[]> scripting() {
    return delegate.scripting();
  }

  @Override
  public CompletionStage<RedisAsyncCommands<byte[], byte[]>> durable(byte[] key) {
    return delegate.durable(key);
  }

  @Override
  public CompletionStage<Long> probe(byte[] token) {
    return delegate.probe(token);
  }

  @Override
  public void reconnect() {
    delegate.reconnect();
  }

  @Override
  public boolean sharded() {
    return delegate.sharded();
  }

  @Override
  public CompletionStage<Void> subscribe(List<byte[]> channels) {
    return delegate.subscribe(channels);
  }

  @Override
  public CompletionStage<Void> unsubscribe(byte[] channel) {
    return delegate.unsubscribe(channel);
  }

  @Override
  public boolean connected() {
    return delegate.connected();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
