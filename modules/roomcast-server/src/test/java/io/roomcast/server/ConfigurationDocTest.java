package io.roomcast.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is generated from reference.conf, so the reference cannot drift from the
 * code. To regenerate: {@code mvn -pl modules/roomcast-server test -Dtest=ConfigurationDocTest -Droomcast.writeDocs=true}.
 */
class ConfigurationDocTest {
  private static final Path DOC = Path.of("../../docs/configuration.md");

  @Test
  void docsConfigurationMdIsGeneratedFromReferenceConf() throws Exception {
    String expected = render(ConfigLoader.reference());
    if (Boolean.getBoolean("roomcast.writeDocs")) Files.writeString(DOC, expected, StandardCharsets.UTF_8);
    assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
        .as("docs/configuration.md is stale; regenerate it as this test's javadoc says")
        .isEqualTo(expected);
  }

  static String render(Config reference) {
    StringBuilder md = new StringBuilder();
    md.append("# Configuration reference\n\n")
        .append("Generated from `modules/roomcast-server/src/main/resources/reference.conf` by `ConfigurationDocTest`; ")
        .append("do not edit by hand.\n\n")
        .append("A setting comes from, in order of precedence: its flag (where there is one), its environment ")
        .append("variable, the file given with `--config` (or `ROOMCAST_CONFIG`; HOCON or JSON, same keys), ")
        .append("and the default below. Durations take units (`500ms`, `5s`, `1m`). An unknown key in the file, ")
        .append("or a value of the wrong type, stops the node at start with a message naming the key.\n\n")
        .append("| key | environment variable | default | meaning |\n")
        .append("| --- | --- | --- | --- |\n");
    Map<String, ConfigValue> sorted = new TreeMap<>();
    reference.entrySet().forEach(e -> sorted.put(e.getKey(), e.getValue()));
    sorted.forEach((key, value) -> md.append("| `").append(key).append("` | `").append(ConfigLoader.envName(key))
        .append("` | `").append(value.render(ConfigRenderOptions.concise())).append("` | ")
        .append(String.join(" ", value.origin().comments()).trim().replace("|", "\\|")).append(" |\n"));
    return md.toString();
  }
}
