// The server suite talks to the CloudBase SDK only through the local emulator, and the functions'
// entry points call the SDKs' init() on load: no metadata probe of Tencent hosts (see
// cloudfunctions/adapters/cloudbase/sdk-env.ts). A live run (TCB_SECRET_ID set) keeps the probe.
import { skipCloudProbe } from '../../cloudfunctions/adapters/cloudbase/sdk-env'

if (!process.env.TCB_SECRET_ID) skipCloudProbe()
