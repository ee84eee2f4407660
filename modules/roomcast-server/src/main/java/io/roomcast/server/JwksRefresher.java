package io.roomcast.server;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JWKS held in memory and fetched again off the caller's thread: token verification, which runs
 * on I/O threads, only ever reads the keys held. A token whose key is not among them is refused at
 * once, and asks for one fetch in the background, at most once per {@code refusedKidInterval}, so
 * tokens with made-up key ids cannot make the node hammer the JWKS host. A failed fetch keeps the
 * keys held. The periodic refresh is scheduled by the owner (see {@link JwtAuthenticator}).
 */
final class JwksRefresher implements JWKSource<SecurityContext> {
  private static final Logger log = LoggerFactory.getLogger(JwksRefresher.class);
  private static final long NEVER = Long.MIN_VALUE;

  private final String location;
  private final Callable<JWKSet> fetch;
  private final long refusedKidIntervalNanos;
  private final LongSupplier nanoClock;
  private final Executor background;
  /** The keys verification uses: the last JWKS fetched, empty before the first. */
  private volatile JWKSet keys = new JWKSet();
  /** When a token with an unknown key last asked for a fetch (nanoClock), or NEVER. */
  private final AtomicLong lastAsked = new AtomicLong(NEVER);

  /**
   * @param location where the JWKS comes from, for logs
   * @param fetch reads the JWKS (may block: it runs on the caller of {@link #refresh()} or on {@code background})
   * @param background where fetches asked for by unknown keys run; never an I/O thread
   */
  JwksRefresher(String location, Callable<JWKSet> fetch, Duration refusedKidInterval, LongSupplier nanoClock, Executor background) {
    if (refusedKidInterval.isNegative() || refusedKidInterval.isZero()) {
      throw new IllegalArgumentException("the refused-kid refresh interval must be positive: " + refusedKidInterval);
    }
    this.location = location;
    this.fetch = fetch;
    this.refusedKidIntervalNanos = refusedKidInterval.toNanos();
    this.nanoClock = nanoClock;
    this.background = background;
  }

  /** Fetches the JWKS on the calling thread and holds it; false (keys unchanged, logged) when the fetch fails. */
  boolean refresh() {
    try {
      JWKSet fetched = fetch.call();
      keys = fetched;
      log.debug("JWKS from {}: {} keys", location, fetched.size());
      return true;
    } catch (Exception e) {
      log.warn("JWKS from {} not fetched ({}); keeping the {} keys held", location, e.getMessage(), keys.size());
      return false;
    }
  }

  /** The held keys that {@code selector} matches; when none does, a background fetch is asked for (at most once per interval). Never blocks. */
  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) {
    List<JWK> found = selector.select(keys);
    if (found.isEmpty()) askForRefresh();
    return found;
  }

  /** Keys held now. */
  int size() {
    return keys.size();
  }

  private void askForRefresh() {
    long now = nanoClock.getAsLong();
    long last = lastAsked.get();
    if (last != NEVER && now - last < refusedKidIntervalNanos) return;
    if (!lastAsked.compareAndSet(last, now)) return; // another thread asked at the same moment
    try {
      background.execute(this::refresh);
    } catch (RejectedExecutionException e) {
      log.debug("JWKS refresh not run: the node is closing");
    }
  }
}
