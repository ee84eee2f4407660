package io.roomcast.testkit;

import java.nio.file.Path;
import java.util.List;

/** A standalone server from the redis-server binary. */
final class BinaryRedis extends StandaloneRedis {
  private final Path dir;
  private final RedisProcess server;

  private BinaryRedis(Path dir, RedisProcess server) {
    this.dir = dir;
    this.server = server;
  }

  static BinaryRedis launch(Persistence persistence) {
    Path dir = Poll.tempDir("roomcast-redis-");
    RedisProcess server = new RedisProcess("redis", dir, FreePorts.next(), persistence.config(), false);
    try {
      server.start();
    } catch (RuntimeException e) {
      Poll.deleteTree(dir);
      throw e;
    }
    return new BinaryRedis(dir, server);
  }

  @Override
  public int port() {
    return server.port();
  }

  @Override
  public Backend backend() {
    return Backend.BINARY;
  }

  @Override
  public void kill() {
    server.kill();
  }

  @Override
  public void start() {
    if (!server.alive()) server.start();
  }

  @Override
  public void snapshot() {
    server.snapshot();
  }

  @Override
  public void freeze() {
    server.signal("STOP");
  }

  @Override
  public void thaw() {
    server.signal("CONT");
  }

  @Override
  public void close() {
    try {
      server.stop();
    } finally {
      Poll.deleteTree(dir);
    }
  }
}
