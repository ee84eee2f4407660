package io.roomcast.server;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which web pages may open a WebSocket to the node (against cross-site WebSocket hijacking: a
 * browser sends cookies and the page's {@code Origin} with every handshake, and only the server can
 * refuse). Entries are exact origins ({@code https://app.example.com}, {@code http://localhost:3000})
 * or wildcard subdomains ({@code https://*.example.com}: any subdomain, not the bare domain).
 *
 * @param allowed origins allowed besides the node's own
 * @param allowSameOrigin whether a page served by the node itself (Origin's host and port equal the
 *     Host header) may connect: the demo page
 * @param allowMissing whether a handshake without an Origin header may connect: non-browser clients,
 *     which cannot be hijacked by a web page
 */
public record OriginPolicy(List<String> allowed, boolean allowSameOrigin, boolean allowMissing) {
  public static final boolean DEFAULT_ALLOW_SAME_ORIGIN = true;
  public static final boolean DEFAULT_ALLOW_MISSING = true;

  public OriginPolicy {
    allowed = allowed.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
    for (String o : allowed) {
      if (!o.startsWith("http://") && !o.startsWith("https://")) {
        throw new IllegalArgumentException("an allowed origin must start with http:// or https://: " + o);
      }
      if (o.endsWith("/")) throw new IllegalArgumentException("an allowed origin has no path, not even /: " + o);
      int star = o.indexOf('*');
      if (star >= 0 && (star != o.indexOf("://") + 3 || o.charAt(star + 1) != '.' || o.indexOf('*', star + 1) >= 0)) {
        throw new IllegalArgumentException("a wildcard origin looks like https://*.example.com: " + o);
      }
    }
  }

  public static OriginPolicy defaults() {
    return new OriginPolicy(List.of(), DEFAULT_ALLOW_SAME_ORIGIN, DEFAULT_ALLOW_MISSING);
  }

  /**
   * @param origin the handshake's Origin header, or null
   * @param host the handshake's Host header, or null
   */
  public boolean allows(String origin, String host) {
    if (origin == null) return allowMissing;
    String o = origin.toLowerCase(Locale.ROOT);
    if (allowSameOrigin && host != null && !host.isEmpty() && authorityOf(o).equals(host.toLowerCase(Locale.ROOT))) return true;
    for (String a : allowed) {
      if (a.equals(o)) return true;
      int star = a.indexOf('*');
      if (star >= 0) {
        String scheme = a.substring(0, star); // "https://"
        String suffix = a.substring(star + 1); // ".example.com" (with any port)
        if (o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length()
            && o.substring(scheme.length(), o.length() - suffix.length()).chars().allMatch(OriginPolicy::hostChar)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean hostChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }

  /** "http(s)://host:port" -> "host:port"; anything else ("null", no scheme) -> "", which matches no Host. */
  private static String authorityOf(String origin) {
    if (origin.startsWith("https://")) return origin.substring(8);
    if (origin.startsWith("http://")) return origin.substring(7);
    return "";
  }

  static OriginPolicy of(List<String> allowed) {
    return new OriginPolicy(Objects.requireNonNull(allowed), DEFAULT_ALLOW_SAME_ORIGIN, DEFAULT_ALLOW_MISSING);
  }
}
