package io.roomcast.testkit;

/** One Redis server for tests. */
public abstract class StandaloneRedis implements TestRedis {
  StandaloneRedis() {}

  static StandaloneRedis launch(Backend backend) {
    return backend == Backend.DOCKER ? DockerRedis.launch() : BinaryRedis.launch();
  }

  /** The port on 127.0.0.1; the same after {@link #restart()}. */
  public abstract int port();

  public abstract Backend backend();

  @Override
  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  /** SIGKILLs the server; it stays down until {@link #start()}. */
  public abstract void kill();

  /** Starts the server again after {@link #kill()}, on the same port, with no data. */
  public abstract void start();

  /** {@link #kill()} then {@link #start()}: the same port, an empty server. */
  public void restart() {
    kill();
    start();
  }

  /** Runs one command on the server (Strings or byte[]); see {@link Resp}. */
  public Object call(Object... args) {
    return Resp.call(port(), args);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + backend() + ", " + uri() + "]";
  }
}
