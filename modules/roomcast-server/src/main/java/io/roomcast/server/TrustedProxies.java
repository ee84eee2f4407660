package io.roomcast.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The proxies whose word about the client's address the node takes: a request from one of them may
 * name the client in {@code X-Forwarded-For}; from anyone else the header is ignored, so a client
 * cannot dodge per-address limits by writing it. (The PROXY protocol, when on, is trusted from every
 * peer by Undertow: turn it on only where the port is reachable by the proxies alone.)
 *
 * @param cidrs addresses or CIDR ranges of trusted proxies ({@code 10.0.0.0/8}, {@code 127.0.0.1})
 * @param proxyProtocol whether the listener expects the PROXY protocol (v1 or v2) before each connection
 */
public record TrustedProxies(List<String> cidrs, boolean proxyProtocol) {
  public TrustedProxies {
    cidrs = List.copyOf(cidrs);
    for (String c : cidrs) Cidr.parse(c); // fail at start on a typo
  }

  public static TrustedProxies none() {
    return new TrustedProxies(List.of(), false);
  }

  /**
   * The client's address from one {@code X-Forwarded-For} value: see {@link ClientAddresses#of},
   * which the handshake uses with the ranges parsed once and every line of the header.
   */
  String clientAddress(InetAddress peer, String forwardedFor) {
    return new ClientAddresses(this).of(peer, forwardedFor == null ? null : java.util.Collections.singletonList(forwardedFor));
  }

  /** An address range; only literals, never a name to resolve. */
  record Cidr(byte[] network, int bits) {
    static Cidr parse(String s) {
      int slash = s.indexOf('/');
      InetAddress a = literal(slash < 0 ? s : s.substring(0, slash));
      if (a == null) throw new IllegalArgumentException("not an IP address or CIDR range: " + s);
      int max = a.getAddress().length * 8;
      int bits;
      try {
        bits = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an IP address or CIDR range: " + s);
      }
      if (bits < 0 || bits > max) throw new IllegalArgumentException("prefix length out of range: " + s);
      return new Cidr(a.getAddress(), bits);
    }

    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) return false;
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >>> (i % 8);
        if ((b[i / 8] & mask) != (network[i / 8] & mask)) return false;
      }
      return true;
    }

    static boolean anyContains(List<Cidr> ranges, InetAddress a) {
      for (Cidr c : ranges) if (c.contains(a)) return true;
      return false;
    }

    /** Parses an IPv4 or IPv6 literal without any DNS lookup; null when it is not one. */
    static InetAddress literal(String s) {
      if (s.isEmpty() || s.length() > 45) return null;
      // Only strict literals reach getByName, so it never resolves a name.
      if (s.indexOf(':') >= 0) {
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) return null;
        }
      } else {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        for (String part : parts) {
          if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit) || Integer.parseInt(part) > 255) {
            return null;
          }
        }
      }
      try {
        return InetAddress.getByName(s);
      } catch (UnknownHostException e) {
        return null;
      }
    }
  }
}
