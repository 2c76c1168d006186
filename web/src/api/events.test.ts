import { describe, expect, it, vi } from 'vitest';
import {
  followWorkspace,
  followWorkspaceBatched,
  LIVE_BATCH_MS,
  parseLiveEvent,
  type SourceFactory,
} from './events';

class FakeSource {
  static last: FakeSource | null = null;
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  listeners = new Map<string, ((e: Event) => void)[]>();
  closed = false;
  constructor(public url: string) {
    FakeSource.last = this;
  }
  addEventListener(type: string, fn: (e: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  emit(type: string, id: string, data: string) {
    const e = new MessageEvent(type, { data, lastEventId: id });
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  fail(closed: boolean) {
    this.readyState = closed ? 2 : 0;
    this.onerror?.(new Event('error'));
  }
}

const factory = ((url: string) => new FakeSource(url)) as unknown as SourceFactory;

describe('parseLiveEvent', () => {
  it('takes known kinds with a leadId and a positive id', () => {
    expect(parseLiveEvent('lead.updated', '7', '{"leadId":"L1","stage":"qualified"}')).toEqual({
      id: 7,
      kind: 'lead.updated',
      leadId: 'L1',
      data: { leadId: 'L1', stage: 'qualified' },
    });
  });
  it('drops the rest', () => {
    expect(parseLiveEvent('other', '7', '{"leadId":"L1"}')).toBeNull();
    expect(parseLiveEvent('lead.updated', '0', '{"leadId":"L1"}')).toBeNull();
    expect(parseLiveEvent('lead.updated', 'x', '{"leadId":"L1"}')).toBeNull();
    expect(parseLiveEvent('lead.updated', '3', '{"lead":"L1"}')).toBeNull();
    expect(parseLiveEvent('lead.updated', '3', 'not json')).toBeNull();
  });
});

describe('followWorkspace', () => {
  it('delivers events once, in order, and asks for a refetch on reset', () => {
    const onEvent = vi.fn();
    const onStale = vi.fn();
    const stop = followWorkspace('W1', { onEvent, onStale }, factory);
    const s = FakeSource.last!;
    expect(s.url).toMatch(/\/api\/v1\/workspaces\/W1\/events$/);
    s.open();
    s.emit('message.created', '1', '{"leadId":"A"}');
    s.emit('message.status', '2', '{"leadId":"A"}');
    s.emit('message.created', '2', '{"leadId":"A"}'); // a replayed duplicate
    expect(onEvent.mock.calls.map((c) => c[0].id)).toEqual([1, 2]);
    expect(onStale).not.toHaveBeenCalled();
    s.emit('reset', '40', '{}');
    expect(onStale).toHaveBeenCalledTimes(1);
    s.emit('lead.updated', '41', '{"leadId":"B"}');
    expect(onEvent).toHaveBeenCalledTimes(3);
    stop();
    expect(s.closed).toBe(true);
  });

  it('recreates a closed source later, and then asks for a refetch', () => {
    vi.useFakeTimers();
    const onStale = vi.fn();
    const onStatus = vi.fn();
    const stop = followWorkspace('W1', { onEvent: vi.fn(), onStale, onStatus }, factory);
    const first = FakeSource.last!;
    first.open();
    first.fail(false); // the browser reconnects by itself: nothing to do
    expect(FakeSource.last).toBe(first);
    first.fail(true); // closed for good (an error answer)
    vi.advanceTimersByTime(1_000);
    const second = FakeSource.last!;
    expect(second).not.toBe(first);
    second.open();
    expect(onStale).toHaveBeenCalledTimes(1);
    expect(onStatus.mock.calls.map((c) => c[0])).toEqual([true, false, false, true]);
    stop();
    vi.useRealTimers();
  });
});

describe('followWorkspaceBatched', () => {
  it('delivers a burst as one batch, after LIVE_BATCH_MS, and marks a reset stale', () => {
    vi.useFakeTimers();
    try {
      const onBatch = vi.fn();
      const stop = followWorkspaceBatched('W1', { onBatch }, factory);
      const s = FakeSource.last!;
      s.open();
      for (let i = 1; i <= 20; i++) s.emit('message.status', String(i), '{"leadId":"A"}');
      vi.advanceTimersByTime(LIVE_BATCH_MS - 1);
      expect(onBatch).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(onBatch).toHaveBeenCalledTimes(1);
      expect(onBatch.mock.calls[0]![0].events).toHaveLength(20);
      expect(onBatch.mock.calls[0]![0].stale).toBe(false);
      s.emit('reset', '40', '{}');
      s.emit('lead.updated', '41', '{"leadId":"B"}');
      vi.advanceTimersByTime(LIVE_BATCH_MS);
      expect(onBatch).toHaveBeenCalledTimes(2);
      expect(onBatch.mock.calls[1]![0].stale).toBe(true);
      // Nothing is delivered once stopped.
      s.emit('lead.updated', '42', '{"leadId":"B"}');
      stop();
      vi.advanceTimersByTime(LIVE_BATCH_MS);
      expect(onBatch).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
