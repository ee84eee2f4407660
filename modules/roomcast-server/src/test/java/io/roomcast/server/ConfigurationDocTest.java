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
 * code. To regenerate: {@code mvn -B -ntp -o -pl modules/roomcast-server -am test -Dtest=ConfigurationDocTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Droomcast.writeDocs=true}.
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
        .append("and the default below. Durations take a unit (`500ms`, `5s`, `1m`, `24h`, `7d`): a bare number is refused. ")
        .append("Every value is checked when the node starts: an unknown key in the file, a value of the wrong type, out of ")
        .append("its bounds or at odds with another setting stops the node with one line naming the key and the value, e.g. ")
        .append("`roomcast-server: bad configuration: roomcast.limits.max-rooms must be at least 1, got 0`, and exit status 2.\n\n")
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
