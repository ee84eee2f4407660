package io.roomcast.client;

/**
 * How a connection ended: the close code and reason, and the server's advice from its
 * {@code disconnect} frame when it sent one.
 */
public record ClosedBy(int code, String reason, boolean reconnectAdvised) {}
