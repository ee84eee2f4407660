package io.roomcast.testkit;

/** One Redis server for tests. */
public abstract class StandaloneRedis implements TestRedis {
  StandaloneRedis() {}

  static StandaloneRedis launch(Backend backend, Persistence persistence) {
    return backend == Backend.DOCKER ? DockerRedis.launch(persistence) : BinaryRedis.launch(persistence);
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

  /**
   * Starts the server again after {@link #kill()}, on the same port, with what its files hold: no data
   * without persistence, its last snapshot with {@link Persistence#RDB}, its AOF with {@link Persistence#AOF}.
   */
  public abstract void start();

  /** BGSAVE, waiting until the snapshot is written (for {@link Persistence#RDB}: the state a restart returns to). */
  public abstract void snapshot();

  /** Stops the server (SIGSTOP; {@code docker pause}): its connections stay open, it answers nothing, until {@link #thaw()}. */
  public abstract void freeze();

  /** Lets a {@link #freeze() frozen} server run again (SIGCONT; {@code docker unpause}). */
  public abstract void thaw();

  /** {@link #kill()} then {@link #start()}: the same port, and what the files hold (empty without persistence). */
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
