// Browser tests of the dashboard, topology "cross-host-only" (see lib/topology.mjs, lib/scenario.mjs).
import { runTopology } from './lib/scenario.mjs';

runTopology('cross-host-only');
