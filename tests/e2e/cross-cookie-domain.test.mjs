// Browser tests of the dashboard, topology "cross-cookie-domain" (see lib/topology.mjs, lib/scenario.mjs).
import { runTopology } from './lib/scenario.mjs';

runTopology('cross-cookie-domain');
