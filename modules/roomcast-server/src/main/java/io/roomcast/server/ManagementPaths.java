package io.roomcast.server;

import java.util.Locale;

/**
 * Which request paths belong to the management port only: the public port answers 404 for them in
 * every spelling (any case, repeated slashes, {@code ;} parameters), whatever the method.
 */
final class ManagementPaths {
  private ManagementPaths() {}

  /** Whether {@code path} (Undertow's decoded request path) names {@code /metrics} or anything under {@code /admin}. */
  static boolean isManagement(String path) {
    String p = path.toLowerCase(Locale.ROOT).replaceAll("/{2,}", "/");
    int params = p.indexOf(';');
    if (params >= 0) p = p.substring(0, params);
    return segment(p, "/metrics") || segment(p, "/admin");
  }

  private static boolean segment(String path, String prefix) {
    return path.equals(prefix) || path.startsWith(prefix + "/");
  }
}
