/**
 * Each integration worker process gets a run id of its own under the test run's
 * (`<run>-w<pid>`): two files that run at once must never share one, or the end of one (its stack
 * removed by run id, a `faultline down`) removes the other's containers. The process id, not
 * VITEST_POOL_ID: two files running at once were seen with the same pool id. The leak check at the
 * end covers every worker's (test/global-setup.ts).
 */
const base = process.env.FAULTLINE_TEST_RUN;
if (base) process.env.FAULTLINE_RUN_ID = `${base}-w${process.pid}`;
