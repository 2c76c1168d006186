// Browser tests of the dashboard, topology "same-origin" (see lib/topology.mjs, lib/scenario.mjs).
import { runTopology } from './lib/scenario.mjs';

runTopology('same-origin');
