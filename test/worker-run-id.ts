/**
 * Each integration worker gets a run id of its own under the test run's (`<run>-w<pool id>`):
 * two files that run at once must never share one, or the end of one (its stack removed by run
 * id, a `faultline down`) removes the other's containers. The leak check at the end covers
 * every worker's (test/global-setup.ts).
 */
const base = process.env.FAULTLINE_TEST_RUN;
if (base) process.env.FAULTLINE_RUN_ID = `${base}-w${process.env.VITEST_POOL_ID ?? "1"}`;
