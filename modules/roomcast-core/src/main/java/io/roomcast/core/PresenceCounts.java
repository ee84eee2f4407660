package io.roomcast.core;

/**
 * How many are in a room.
 *
 * @param sessions members (sessions)
 * @param users distinct users among them; anonymous sessions are not counted
 */
public record PresenceCounts(long sessions, long users) {}
