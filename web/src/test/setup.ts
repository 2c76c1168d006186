import { afterEach } from 'vitest';
import { cleanup, configure } from '@testing-library/react';
import { FakeEventSource } from './eventSource';

// findBy*/waitFor wait up to 5 s: the machines running the tests are shared and busy.
configure({ asyncUtilTimeout: 5000 });

// No test talks to a network: a request that outlives its test (a refetch
// after the page is gone) fails here instead of reaching localhost.
globalThis.fetch = () => Promise.reject(new TypeError('no network in unit tests'));

// Pages that follow the live stream get a stream a test can drive (test/eventSource.ts).
globalThis.EventSource = FakeEventSource as unknown as typeof EventSource;

afterEach(() => {
  cleanup();
  FakeEventSource.instances = [];
});
