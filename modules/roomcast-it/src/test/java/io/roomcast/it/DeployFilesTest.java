package io.roomcast.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deploy/ files that CI cannot run for real (there is no Kubernetes and no Grafana here) checked
 * for what operations rely on. The compose stack, the load balancer configs and the Prometheus config
 * are run for real by .ci/compose-smoke.sh, ClusterIT, NginxClusterIT and PrometheusIT.
 */
class DeployFilesTest {
  private static final Path DEPLOY = Path.of(System.getProperty("roomcast.deploy", "../../deploy"));
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theDeploymentProbesReadinessAndLivenessDrainsBeforeStoppingAndWaitsLongerThanTheDrainWindow() throws IOException {
    JsonNode deployment = manifest("Deployment");
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
    assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
    assertThat(container.path("lifecycle").path("preStop").path("exec").path("command").toString())
        .contains("POST /admin/drain", "/dev/tcp/127.0.0.1/9091", "Authorization: Bearer");
    Duration window = Duration.parse("PT" + manifest("ConfigMap").path("data").path("ROOMCAST_DRAIN_WINDOW").asText().toUpperCase());
    assertThat(pod.path("terminationGracePeriodSeconds").asLong()).isGreaterThan(window.toSeconds() + 10);
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.path("envFrom").get(0).path("configMapRef").path("name").asText())
        .isEqualTo(manifest("ConfigMap").path("metadata").path("name").asText());
    assertThat(deployment.path("spec").path("strategy").path("rollingUpdate").path("maxUnavailable").asInt()).isZero();
  }

  @Test
  void prometheusScrapesTheManagementPortWhichNeedsATokenOffLoopbackAndIsNotInTheService() throws IOException {
    JsonNode template = manifest("Deployment").path("spec").path("template");
    JsonNode container = template.path("spec").path("containers").get(0);
    int management = -1;
    for (JsonNode port : container.path("ports")) {
      if (port.path("name").asText().equals("management")) management = port.path("containerPort").asInt();
    }
    assertThat(management).isEqualTo(9091);
    assertThat(template.path("metadata").path("annotations").path("prometheus.io/port").asText()).isEqualTo("9091");
    List<String> env = new ArrayList<>();
    container.path("env").forEach(e -> env.add(e.path("name").asText() + "=" + e.path("value").asText()
        + e.path("valueFrom").path("secretKeyRef").path("name").asText()));
    assertThat(env).contains("ROOMCAST_MANAGEMENT_HOST=0.0.0.0", "ROOMCAST_MANAGEMENT_PORT=9091",
        "ROOMCAST_MANAGEMENT_TOKEN=roomcast-management");
    assertThat(container.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo("http");
    assertThat(manifest("Service").path("spec").path("ports").toString()).doesNotContain("9091", "management");
  }

  @Test
  void theComposeStackScrapesTheNodesOnAnInternalManagementNetworkWithAToken() throws IOException {
    JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
    assertThat(compose.path("networks").path("management").path("internal").asBoolean()).isTrue();
    assertThat(compose.path("services").path("prometheus").path("networks").toString()).contains("management");
    assertThat(compose.path("services").path("haproxy").path("networks").toString()).doesNotContain("management");
    List<String> targets = new ArrayList<>();
    for (JsonNode job : YAML.readTree(DEPLOY.resolve("prometheus/prometheus.yml").toFile()).path("scrape_configs")) {
      job.path("static_configs").get(0).path("targets").forEach(t -> targets.add(t.asText()));
    }
    assertThat(targets).hasSize(3);
    for (int i = 1; i <= 3; i++) {
      JsonNode node = compose.path("services").path("node" + i);
      String address = node.path("networks").path("management").path("ipv4_address").asText();
      assertThat(node.path("environment").path("ROOMCAST_MANAGEMENT_HOST").asText()).as("node" + i).isEqualTo(address);
      assertThat(node.path("environment").path("ROOMCAST_MANAGEMENT_TOKEN").asText()).startsWith("${ROOMCAST_MANAGEMENT_TOKEN:?");
      assertThat(node.path("networks").path("management").path("aliases").toString()).contains("node" + i + "-management");
      assertThat(targets).contains("node" + i + "-management:9091");
    }
  }

  @Test
  void theServicePdbAndAutoscalerSelectTheDeploymentsPods() throws IOException {
    JsonNode labels = manifest("Deployment").path("spec").path("template").path("metadata").path("labels");
    assertThat(manifest("Service").path("spec").path("selector")).isEqualTo(labels);
    assertThat(manifest("Service").path("spec").path("sessionAffinity").asText()).isEqualTo("None");
    assertThat(manifest("PodDisruptionBudget").path("spec").path("selector").path("matchLabels")).isEqualTo(labels);
    JsonNode hpa = manifest("HorizontalPodAutoscaler");
    assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText())
        .isEqualTo(manifest("Deployment").path("metadata").path("name").asText());
    assertThat(hpa.path("spec").path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theComposeStackPublishesOnLoopbackOnlyAndRunsWithDebiansCompose() throws IOException {
    JsonNode compose = YAML.readTree(DEPLOY.resolve("docker-compose.yml").toFile());
    assertThat(compose.has("name")).as("docker-compose 1.29 rejects a top-level name").isFalse();
    List<String> ports = new ArrayList<>();
    compose.path("services").forEach(s -> s.path("ports").forEach(p -> ports.add(p.asText())));
    assertThat(ports).hasSizeGreaterThanOrEqualTo(2).allMatch(p -> p.startsWith("127.0.0.1:"));
    assertThat(compose.path("services").path("haproxy").path("volumes").toString()).contains("./haproxy/haproxy.cfg");
    assertThat(compose.path("services").path("prometheus").path("volumes").toString()).contains("./prometheus/prometheus.yml");
    assertThat(compose.path("services").path("grafana").path("profiles").toString()).contains("grafana");
    String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile"));
    assertThat(dockerfile).contains("FROM roomcast/jre:17", "USER roomcast", "-XX:MaxRAMPercentage", "-XX:+ExitOnOutOfMemoryError")
        .doesNotContain("RUN mvn", "curl ", "wget ");
  }

  @Test
  void theGrafanaDashboardIsWellFormedAndProvisioned() throws IOException {
    JsonNode dashboard = JSON.readTree(DEPLOY.resolve("grafana/dashboards/roomcast.json").toFile());
    assertThat(dashboard.path("uid").asText()).isNotBlank();
    assertThat(dashboard.path("title").asText()).isNotBlank();
    Set<Integer> ids = new HashSet<>();
    int queries = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
      assertThat(panel.path("gridPos").path("w").asInt()).isBetween(1, 24);
      if (panel.path("type").asText().equals("row")) continue;
      assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      for (JsonNode t : panel.path("targets")) {
        assertThat(t.path("expr").asText()).isNotBlank().doesNotContain("room=", "session=");
        queries++;
      }
    }
    assertThat(queries).isGreaterThan(20);
    JsonNode provider = YAML.readTree(DEPLOY.resolve("grafana/provisioning/dashboards/roomcast.yml").toFile());
    assertThat(provider.path("providers").get(0).path("options").path("path").asText()).isEqualTo("/var/lib/grafana/dashboards");
  }

  /** The one manifest of {@code kind} under deploy/k8s. */
  private static JsonNode manifest(String kind) throws IOException {
    List<JsonNode> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(DEPLOY.resolve("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (docs.hasNext()) {
            JsonNode doc = docs.next();
            if (doc.path("kind").asText().equals(kind)) found.add(doc);
          }
        }
      }
    }
    assertThat(found).as("manifests of kind " + kind).hasSize(1);
    return found.get(0);
  }
}
