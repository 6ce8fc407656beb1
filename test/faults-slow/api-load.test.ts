// Fault tier, slow set: the API under load (issue 5, item 3) at full length: a minute of
// sustained load while the sink writes, 20 s of overload at twice that rate (and the same
// against a server with the shedder off, for comparison), wrong-password floods from one address
// and from many, and a 10-minute soak with the sink writing and RSS sampled every 10 s. The
// cases are in test/support/api-load-suite.ts.
import { apiLoadSuite } from '../support/api-load-suite.ts';

apiLoadSuite({
  name: 'slow',
  sustainedMs: 60_000,
  connections: 32,
  writerPerSecond: 2_000,
  overloadMs: 20_000,
  overloadCores: 0.25,
  recoveryMs: 5_000,
  floodMs: 10_000,
  floodRate: 300,
  distributedFlood: true,
  compareWithoutShedding: true,
  soakMs: 600_000,
  soakEveryMs: 10_000,
  soakWarmupMs: 120_000,
  soakGrowthMiB: 48,
  soakWithWriter: true,
});
