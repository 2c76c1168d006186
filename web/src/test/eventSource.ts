/**
 * A stand-in for the browser's EventSource (happy-dom has none), installed
 * globally by setup.ts: pages that follow the live stream render, and a test
 * can open the stream and emit events the server would send.
 */
type Listener = (e: Event) => void;

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  withCredentials: boolean;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  private listeners = new Map<string, Listener[]>();

  constructor(
    public url: string,
    init?: { withCredentials?: boolean },
  ) {
    this.withCredentials = !!init?.withCredentials;
    FakeEventSource.instances.push(this);
  }

  addEventListener(type: string, fn: Listener) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }

  close() {
    this.readyState = 2;
  }

  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  emit(type: string, id: number, data: unknown) {
    const e = new MessageEvent(type, { data: JSON.stringify(data), lastEventId: String(id) });
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }

  /** The streams still open. */
  static open(): FakeEventSource[] {
    return FakeEventSource.instances.filter((s) => s.readyState !== 2);
  }
}
