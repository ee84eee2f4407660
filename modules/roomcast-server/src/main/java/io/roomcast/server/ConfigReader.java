package io.roomcast.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads one section of the configuration and checks each value as it reads it. Every error is an
 * {@link IllegalArgumentException} that names the full key, the rule and the value it got, e.g.
 * {@code roomcast.limits.max-rooms must be at least 1, got 0}.
 */
final class ConfigReader {
  /** A duration written without a unit: Typesafe Config would take it as milliseconds. */
  private static final Pattern BARE_NUMBER = Pattern.compile("\\s*[-+]?[0-9.]+\\s*");

  private final Config config;
  /** The full key of this section, e.g. {@code roomcast} or {@code roomcast.history.rooms[0]}. */
  private final String path;

  ConfigReader(Config config, String path) {
    this.config = config;
    this.path = path;
  }

  /** The full key of {@code key} in this section. */
  String key(String key) {
    return path + "." + key;
  }

  /** An error about {@code key}: "{@code <full key> <rule>, got <value>}". */
  IllegalArgumentException bad(String key, String rule, Object got) {
    return new IllegalArgumentException(key(key) + " " + rule + ", got " + got);
  }

  ConfigReader section(String key) {
    return new ConfigReader(config.getConfig(key), key(key));
  }

  /** Builds something from values already read, turning its own check into an error naming {@code key}. */
  <T> T checked(String key, Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key(key) + ": " + e.getMessage(), e);
    }
  }

  private ConfigValue value(String key) {
    if (!config.hasPath(key)) throw new IllegalArgumentException(key(key) + " is missing");
    return config.getValue(key);
  }

  private Object raw(String key) {
    return value(key).unwrapped();
  }

  String string(String key) {
    if (value(key).valueType() == ConfigValueType.OBJECT || value(key).valueType() == ConfigValueType.LIST) {
      throw bad(key, "must be a string", value(key).render());
    }
    return config.getString(key);
  }

  /** A string setting where empty means none. */
  Optional<String> optional(String key) {
    String v = string(key);
    return v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  boolean bool(String key) {
    try {
      return config.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, "must be true or false", raw(key));
    }
  }

  /** A list setting: a list in files, or comma-separated in an environment variable or flag. */
  List<String> strings(String key) {
    if (value(key).valueType() == ConfigValueType.LIST) {
      try {
        return config.getStringList(key);
      } catch (ConfigException.WrongType e) {
        throw bad(key, "must be a list of strings", value(key).render());
      }
    }
    String v = string(key);
    return v.isBlank() ? List.of() : Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  List<? extends Config> objects(String key, String what) {
    try {
      return config.getConfigList(key);
    } catch (ConfigException.WrongType e) {
      throw bad(key, "must be a list of " + what, value(key).render());
    }
  }

  int integer(String key) {
    Object raw = raw(key);
    long n;
    if (raw instanceof Integer || raw instanceof Long) {
      n = ((Number) raw).longValue();
    } else if (raw instanceof String s && s.trim().matches("[-+]?[0-9]{1,10}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw bad(key, "must be a whole number", raw);
    }
    if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) throw bad(key, "must be a whole number up to " + Integer.MAX_VALUE, raw);
    return (int) n;
  }

  int intAtLeast(String key, int min) {
    int v = integer(key);
    if (v < min) throw bad(key, "must be at least " + min, v);
    return v;
  }

  int intBetween(String key, int min, int max) {
    int v = integer(key);
    if (v < min || v > max) throw bad(key, "must be between " + min + " and " + max, v);
    return v;
  }

  /** A duration with its unit ({@code 500ms}, {@code 5s}, {@code 1m}, {@code 24h}, {@code 7d}). */
  Duration duration(String key) {
    Object raw = raw(key);
    if (raw instanceof Number || (raw instanceof String s && BARE_NUMBER.matcher(s).matches())) {
      throw bad(key, "must be a duration with a unit (500ms, 5s, 1m, 24h, 7d)", raw);
    }
    try {
      return config.getDuration(key);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw bad(key, "must be a duration with a unit (500ms, 5s, 1m, 24h, 7d)", raw);
    }
  }

  Duration durationAtLeast(String key, Duration min) {
    Duration d = duration(key);
    if (d.compareTo(min) < 0) throw bad(key, "must be at least " + show(min), raw(key));
    return d;
  }

  Duration durationBetween(String key, Duration min, Duration max) {
    Duration d = duration(key);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw bad(key, "must be between " + show(min) + " and " + show(max), raw(key));
    }
    return d;
  }

  /** A duration of whole seconds, at least one: what Redis takes for a key's expiry. */
  Duration wholeSeconds(String key) {
    Duration d = durationAtLeast(key, Duration.ofSeconds(1));
    if (d.toNanosPart() != 0) throw bad(key, "must be whole seconds (Redis expires keys by the second)", raw(key));
    return d;
  }

  <T> T oneOf(String key, Map<String, T> choices) {
    String v = string(key);
    T choice = choices.get(v);
    if (choice == null) throw bad(key, "must be one of " + String.join(", ", choices.keySet()), v);
    return choice;
  }

  /** {@code 1s}, {@code 0ms}: a bound as a user would write it. */
  private static String show(Duration d) {
    if (d.toMillisPart() == 0 && d.toNanosPart() == 0) return d.toSeconds() + "s";
    return d.toMillis() + "ms";
  }
}
