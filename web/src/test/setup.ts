import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

// No test talks to a network: a request that outlives its test (a refetch
// after the page is gone) fails here instead of reaching localhost.
globalThis.fetch = () => Promise.reject(new TypeError('no network in unit tests'));

afterEach(() => {
  cleanup();
});
