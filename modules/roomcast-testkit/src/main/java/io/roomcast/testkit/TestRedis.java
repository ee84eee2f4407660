package io.roomcast.testkit;

/**
 * A real Redis for tests, started on free ports of 127.0.0.1 and gone after {@link #close()}: one
 * server, a Sentinel group or a Cluster. {@link #uri()} is the URI the Redis broker's config takes.
 *
 * <p>The standalone server comes from Testcontainers ({@code redis:7}) or from the {@code redis-server}
 * binary, chosen by the system property {@code roomcast.redis}: {@code binary}, {@code docker}, or
 * {@code auto} (the default: docker when a Docker engine answers, else the binary). Sentinel and
 * Cluster always use the binary ({@code apt-get install -y redis-server redis-tools}).
 */
public interface TestRedis extends AutoCloseable {
  /** Where the broker connects: {@code redis://}, {@code redis-sentinel://} or {@code redis-cluster://}. */
  String uri();

  /** Stops every process or container it started and deletes its files. */
  @Override
  void close();

  /** One server; docker or binary as {@code roomcast.redis} says. */
  static StandaloneRedis standalone() {
    return StandaloneRedis.launch(Backend.fromSystemProperty(), Persistence.NONE);
  }

  /** One server keeping its data as {@code persistence} says; docker or binary as {@code roomcast.redis} says. */
  static StandaloneRedis standalone(Persistence persistence) {
    return StandaloneRedis.launch(Backend.fromSystemProperty(), persistence);
  }

  /** A primary, one replica and three sentinels watching them as {@value SentinelRedis#MASTER_NAME}. */
  static SentinelRedis sentinel() {
    return SentinelRedis.launch(Persistence.NONE);
  }

  /** As {@link #sentinel()}, both data servers keeping their data as {@code persistence} says. */
  static SentinelRedis sentinel(Persistence persistence) {
    return SentinelRedis.launch(persistence);
  }

  /** Three masters sharing the 16384 slots evenly, no replicas. */
  static ClusterRedis cluster() {
    return ClusterRedis.launch(3, 0, Persistence.NONE);
  }

  /** {@code masters} masters, each with {@code replicasPerMaster} replicas. */
  static ClusterRedis cluster(int masters, int replicasPerMaster) {
    return ClusterRedis.launch(masters, replicasPerMaster, Persistence.NONE);
  }

  /** As {@link #cluster(int, int)}, every node keeping its data as {@code persistence} says. */
  static ClusterRedis cluster(int masters, int replicasPerMaster, Persistence persistence) {
    return ClusterRedis.launch(masters, replicasPerMaster, persistence);
  }

  /**
   * What a server keeps on disk, as deployments run it. A server killed and started again comes back
   * with what its files hold: nothing ({@link #NONE}, the default of the fixtures), its last snapshot
   * ({@link #RDB}: older than what it acknowledged; take one with {@code snapshot()}), or its
   * append-only file ({@link #AOF}, fsync every second: all but about the last second).
   */
  enum Persistence {
    /** {@code save ""}, {@code appendonly no}. */
    NONE(java.util.List.of()),
    /** Redis's default snapshot schedule ({@code save 3600 1 300 100 60 10000}, as Debian's package keeps it), no AOF. */
    RDB(java.util.List.of("save 3600 1 300 100 60 10000", "appendonly no")),
    /** {@code appendonly yes}, {@code appendfsync everysec} (the usual production setting), no snapshots. */
    AOF(java.util.List.of("save \"\"", "appendonly yes", "appendfsync everysec"));

    private final java.util.List<String> config;

    Persistence(java.util.List<String> config) {
      this.config = config;
    }

    /** redis.conf lines (after the fixtures' own {@code save ""} and {@code appendonly no}). */
    public java.util.List<String> config() {
      return config;
    }
  }

  /** Where the standalone server comes from. */
  enum Backend {
    BINARY,
    DOCKER;

    /** {@code -Droomcast.redis=binary|docker|auto}; auto (the default) asks Testcontainers whether Docker is there. */
    public static Backend fromSystemProperty() {
      String value = System.getProperty("roomcast.redis", "auto").trim().toLowerCase(java.util.Locale.ROOT);
      switch (value) {
        case "binary":
          return BINARY;
        case "docker":
          return DOCKER;
        case "auto":
        case "":
          return DockerRedis.dockerAvailable() ? DOCKER : BINARY;
        default:
          throw new IllegalArgumentException("roomcast.redis must be binary, docker or auto: " + value);
      }
    }
  }
}
