/** The emit function of an {@link Emitter}, handed down to the parts that report events. */
export type Emit<Events extends { [K in keyof Events]: (...args: any[]) => void }> =
  <K extends keyof Events>(event: K, ...args: Parameters<Events[K]>) => void;

/** A minimal typed event emitter: a listener that throws is reported to `onListenerError`, never to the emitter's caller. */
export class Emitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> {
  /** Listeners by event, in the order they were added. */
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  constructor(private readonly onListenerError: (error: unknown) => void = (e) => console.error(e)) {}

  /** Adds a listener; the returned function removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Adds a listener that runs once. */
  once<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const off = this.on(event, ((...args: unknown[]) => {
      off();
      (listener as (...a: unknown[]) => void)(...args);
    }) as Events[K]);
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
