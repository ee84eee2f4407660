package io.roomcast.redis;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.roomcast.core.BrokerUnavailableException;
import io.roomcast.core.Failures;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Every call the broker makes to Redis for a caller goes through here: a time limit, the circuit
 * breaker, and for calls that are safe to repeat, a few retries. Failures come out as
 * {@link BrokerUnavailableException} when Redis is down, slow or the breaker is open, and as
 * {@link IllegalStateException} when Redis answered with an error that is not about availability (a
 * bug or a foreign key of the wrong type); only the former count against the breaker.
 */
final class Guard {
  static final String BREAKER_NAME = "roomcast-redis";

  private final CircuitBreaker breaker;
  private final TimeLimiter limiter;
  private final Retry retry;
  /** Fires time limits and retry waits; shared with the broker's own timers. */
  private final ScheduledExecutorService scheduler;

  Guard(RedisBrokerConfig config, CircuitBreakerRegistry breakers, ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
    RedisBrokerConfig.Breaker b = config.breaker();
    this.breaker = breakers.circuitBreaker(BREAKER_NAME, CircuitBreakerConfig.custom()
        .failureRateThreshold(b.failureRatePercent())
        .slidingWindowSize(b.windowSize())
        .minimumNumberOfCalls(b.minimumCalls())
        .waitDurationInOpenState(b.openDuration())
        // so that available() turns true again without waiting for a caller to try
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .recordException(Guard::isOutage)
        .build());
    // A publish is EVALSHA and, after NOSCRIPT, EVAL: two commands at most, each timed by Lettuce.
    this.limiter = TimeLimiter.of(BREAKER_NAME, TimeLimiterConfig.custom()
        .timeoutDuration(config.commandTimeout().multipliedBy(2))
        .cancelRunningFuture(true)
        .build());
    this.retry = Retry.of(BREAKER_NAME, RetryConfig.custom()
        .maxAttempts(3)
        .waitDuration(Duration.ofMillis(200))
        .retryOnException(t -> isOutage(t) && !(Failures.cause(t) instanceof CallNotPermittedException))
        .build());
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** Whether the breaker lets calls through now (closed or trying). */
  boolean permitsCalls() {
    CircuitBreaker.State s = breaker.getState();
    return s != CircuitBreaker.State.OPEN && s != CircuitBreaker.State.FORCED_OPEN;
  }

  /** One attempt: for calls whose repetition could duplicate something (publish). */
  <T> CompletionStage<T> once(String what, Supplier<CompletionStage<T>> call) {
    return translate(what, guarded(call));
  }

  /** Up to three attempts: for calls that are safe to repeat (subscribe, unsubscribe, position). */
  <T> CompletionStage<T> retried(String what, Supplier<CompletionStage<T>> call) {
    return translate(what, Retry.decorateCompletionStage(retry, scheduler, () -> guarded(call)).get());
  }

  private <T> CompletionStage<T> guarded(Supplier<CompletionStage<T>> call) {
    Supplier<CompletionStage<T>> limited = () -> limiter.executeCompletionStage(scheduler, () -> safely(call));
    return CircuitBreaker.decorateCompletionStage(breaker, limited).get();
  }

  /** A call that throws instead of returning a failed stage (Lettuce does, when it rejects a command) fails the stage. */
  private static <T> CompletionStage<T> safely(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static <T> CompletionStage<T> translate(String what, CompletionStage<T> stage) {
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenComplete((value, failure) -> {
      if (failure == null) {
        out.complete(value);
        return;
      }
      Throwable cause = Failures.cause(failure);
      if (cause instanceof BrokerUnavailableException || cause instanceof IllegalArgumentException) {
        out.completeExceptionally(cause);
      } else if (cause instanceof CallNotPermittedException) {
        out.completeExceptionally(new BrokerUnavailableException("redis circuit breaker is open; " + what + " not attempted", cause));
      } else if (isOutage(cause)) {
        out.completeExceptionally(new BrokerUnavailableException(what + " failed: redis unavailable: " + cause, cause));
      } else {
        out.completeExceptionally(new IllegalStateException(what + " rejected by redis: " + cause.getMessage(), cause));
      }
    });
    return out;
  }

  /** Whether a failure says Redis cannot serve now, rather than that it refused this request. */
  static boolean isOutage(Throwable t) {
    Throwable cause = Failures.cause(t);
    if (cause instanceof ReplicatedPublish.NotReplicatedException) return false; // Redis works; a replica lags
    if (cause instanceof TimeoutException || cause instanceof CallNotPermittedException
        || cause instanceof BrokerUnavailableException) {
      return true;
    }
    if (cause instanceof RedisCommandExecutionException) {
      String message = String.valueOf(cause.getMessage()).toUpperCase(Locale.ROOT);
      // states of a server that is starting, failing over or migrating: they pass
      for (String transient_ : new String[] {"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "MOVED", "ASK"}) {
        if (message.startsWith(transient_)) return true;
      }
      return false;
    }
    // connection refused, reset, rejected while disconnected, command timeout, connection closed
    return cause instanceof RedisException || cause instanceof java.io.IOException;
  }
}
