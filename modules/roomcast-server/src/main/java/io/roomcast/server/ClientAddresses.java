package io.roomcast.server;

import java.net.InetAddress;
import java.util.List;

/**
 * Finds a request's client address from its peer and its {@code X-Forwarded-For} lines, with the
 * trusted ranges parsed once. All lines count, joined in order (haproxy's {@code option forwardfor}
 * appends a line of its own after whatever the client wrote), and the hops are walked from the
 * right: each trusted proxy is skipped, the first untrusted address is the client. What the client
 * wrote lies to the left of what its first proxy appended, so it is never reached.
 */
final class ClientAddresses {
  /** Hops looked at, at most, from the right: a longer chain is a client's invention. */
  static final int MAX_HOPS = 32;

  /** The trusted ranges, parsed once. */
  private final List<TrustedProxies.Cidr> trusted;

  ClientAddresses(TrustedProxies proxies) {
    this.trusted = proxies.cidrs().stream().map(TrustedProxies.Cidr::parse).toList();
  }

  /**
   * The client's address: {@code peer} itself, or, when {@code peer} is a trusted proxy, the
   * rightmost hop of {@code forwardedFor} (all the header's lines, in the order received) that is not
   * a trusted proxy. A hop that is not an address literal, or a chain of trusted proxies only, leaves
   * the peer: nothing beyond the last trusted proxy's word is believed.
   */
  String of(InetAddress peer, Iterable<String> forwardedFor) {
    String self = peer.getHostAddress();
    if (forwardedFor == null || trusted.isEmpty() || !trusts(peer)) return self;
    List<String> lines = forwardedFor instanceof List<String> l ? l : toList(forwardedFor);
    int hops = 0;
    for (int line = lines.size() - 1; line >= 0; line--) {
      String value = lines.get(line);
      if (value == null || value.isBlank()) continue; // an empty line names no hop
      int end = value.length();
      while (true) {
        int comma = value.lastIndexOf(',', end - 1);
        if (++hops > MAX_HOPS) return self;
        InetAddress a = TrustedProxies.Cidr.literal(value.substring(comma + 1, end).trim());
        if (a == null) return self; // garbage where a trusted proxy should have written an address
        if (!trusts(a)) return a.getHostAddress();
        if (comma < 0) break;
        end = comma;
      }
    }
    return self;
  }

  /** Whether {@code a} is within a trusted range. */
  boolean trusts(InetAddress a) {
    return TrustedProxies.Cidr.anyContains(trusted, a);
  }

  private static List<String> toList(Iterable<String> values) {
    List<String> out = new java.util.ArrayList<>();
    values.forEach(out::add);
    return out;
  }
}
