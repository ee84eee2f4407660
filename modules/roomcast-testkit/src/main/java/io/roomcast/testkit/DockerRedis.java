package io.roomcast.testkit;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A standalone server in a {@code redis:7} container (Testcontainers). Its port is published on a fixed
 * free port of 127.0.0.1, so that a restarted container keeps the URI the broker was given. Here no
 * image can be pulled: the engine must already hold a {@code redis:7} (see recipes/container-engine.md;
 * run with {@code TESTCONTAINERS_RYUK_DISABLED=true}).
 */
final class DockerRedis extends StandaloneRedis {
  static final String IMAGE = System.getProperty("roomcast.redis.image", "redis:7");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final GenericContainer<?> container;
  private final int port;

  private DockerRedis(GenericContainer<?> container, int port) {
    this.container = container;
    this.port = port;
  }

  /** Whether Testcontainers finds a Docker engine; false when the check itself fails (it can throw). */
  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) { // NOPMD: Testcontainers may throw errors, not only exceptions, from its probe
      return false;
    }
  }

  @SuppressWarnings("resource") // closed by close()
  static DockerRedis launch(Persistence persistence) {
    int port = FreePorts.next();
    // the command is explicit so that an image built from Debian's redis-server behaves like the official one
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", "6379", "--bind", "0.0.0.0", "--protected-mode", "no",
        "--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--dir", "/data"));
    for (String line : persistence.config()) {
      int space = line.indexOf(' ');
      command.add("--" + line.substring(0, space));
      command.add(line.substring(space + 1).replace("\"", ""));
    }
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
        .withCommand(command.toArray(new String[0]))
        .withExposedPorts(6379)
        .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
            new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", port), ExposedPort.tcp(6379))))
        .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1).withStartupTimeout(START_TIMEOUT));
    container.start();
    DockerRedis redis = new DockerRedis(container, port);
    Poll.until("redis in container answers PING on 127.0.0.1:" + port, START_TIMEOUT, () -> Resp.pings(port));
    return redis;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public Backend backend() {
    return Backend.DOCKER;
  }

  @Override
  public void kill() {
    var docker = DockerClientFactory.instance().client();
    String id = container.getContainerId();
    if (Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning())) {
      docker.killContainerCmd(id).withSignal("KILL").exec();
    }
    Poll.until("the container stops", START_TIMEOUT,
        () -> !Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning()));
  }

  @Override
  public void start() {
    var docker = DockerClientFactory.instance().client();
    String id = container.getContainerId();
    if (!Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getRunning())) {
      docker.startContainerCmd(id).exec();
    }
    Poll.until("redis in container answers PING on 127.0.0.1:" + port, START_TIMEOUT, () -> Resp.pings(port));
  }

  @Override
  public void snapshot() {
    long before = (Long) call("LASTSAVE");
    Poll.until("the clock passes the last save", Duration.ofSeconds(3), () -> System.currentTimeMillis() / 1000 > before);
    call("BGSAVE");
    Poll.until("the BGSAVE is written", START_TIMEOUT, () -> (Long) call("LASTSAVE") > before
        && ((String) call("INFO", "persistence")).contains("rdb_bgsave_in_progress:0"));
  }

  @Override
  public void freeze() {
    DockerClientFactory.instance().client().pauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void thaw() {
    DockerClientFactory.instance().client().unpauseContainerCmd(container.getContainerId()).exec();
  }

  @Override
  public void close() {
    container.stop();
  }
}
