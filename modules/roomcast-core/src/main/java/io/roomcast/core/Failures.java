package io.roomcast.core;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The one place that unwraps the failure of an asynchronous step into what actually went wrong. */
public final class Failures {
  private Failures() {}

  /**
   * The cause a future failed with: {@code failure} without the {@link CompletionException} and
   * {@link ExecutionException} wrappers that {@code CompletableFuture} stages add (any depth).
   */
  public static Throwable cause(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
    return t;
  }
}
