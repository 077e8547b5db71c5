/**
 * How @cloudbase/node-sdk (also the copy inside wx-server-sdk) decides whether it runs on Tencent
 * Cloud (its src/utils/cloudplatform.ts): TENCENTCLOUD_RUNENV=SCF (set on CloudBase functions),
 * CBR_ENV_ID (CloudBase Run), SUMERU_ENV, or TENCENTCLOUD=true; failing those it asks
 * http://metadata.tencentyun.com — on init() and again on every request (30 ms timeout, a failure
 * is not cached). Off the cloud that is a DNS look-up of a Tencent host per call.
 *
 * The SDK has no "outside the cloud" switch: the one that stops the probe is TENCENTCLOUD=true.
 * Besides the probe it only selects the internal endpoint (http://internal.tcb-api…), which a
 * `serviceUrl` (the local emulator) replaces — so it is set only where the SDK talks to a
 * `serviceUrl`, and in the test suite (tests/server/setup-env.ts); never for a live run from a
 * developer's machine against the real service, which needs the public endpoint.
 */
export function skipCloudProbe(env: NodeJS.ProcessEnv = process.env): void {
  // on the platform the SDK knows already (and must keep its own view)
  if (env.TENCENTCLOUD_RUNENV || env.CBR_ENV_ID || env.SUMERU_ENV) return
  env.TENCENTCLOUD = 'true'
}
