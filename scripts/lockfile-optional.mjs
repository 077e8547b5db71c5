// Keeps `npm ci` working from the committed lockfile on every platform.
//
// npm 11 (≥ 11.16) leaves an optional dependency out of package-lock.json when the registry has no
// such version — e.g. @tarojs/binding 4.2.1 names darwin / win32 / linux-arm64 binaries that were
// never published, and @nutui/nutui-react-taro names @jmfe/npm-usage-stats-tool@latest (not on the
// public registry) — and then `npm ci` refuses its own lockfile ("Missing: X@ from lock file",
// npm/cli#9846). This adds an inert placeholder entry for each optional dependency the lockfile
// lacks: the declared version (0.0.0 for a tag), a registry tarball address, `optional: true`, and
// os / cpu / libc read from the name of a platform binary, so a machine of another platform never
// fetches it and a matching one gets a 404 that npm treats as a skipped optional dependency.
//
// Usage, whenever the lockfile is regenerated:
//   npm install --package-lock-only --ignore-scripts && node scripts/lockfile-optional.mjs
import fs from 'node:fs'

const file = process.argv[2] ?? 'package-lock.json'
const lock = JSON.parse(fs.readFileSync(file, 'utf8'))
const pk = lock.packages

/** Where `name` required from `loc` resolves in the lockfile, or null. */
function resolve(loc, name) {
  for (let base = loc; ; ) {
    const cand = `${base ? `${base}/` : ''}node_modules/${name}`
    if (pk[cand]) return cand
    if (!base) return null
    const i = base.lastIndexOf('/node_modules/')
    base = i >= 0 ? base.slice(0, i) : ''
  }
}

function platformOf(name) {
  const out = {}
  const os = /(darwin|linux|win32|freebsd|android)/.exec(name)?.[1]
  const cpu = /(arm64|x64|ia32|arm|ppc64|s390x|riscv64)/.exec(name)?.[1]
  if (os) out.os = [os]
  if (cpu) out.cpu = [cpu]
  if (os === 'linux') out.libc = [/musl/.test(name) ? 'musl' : 'glibc']
  return out
}

const added = []
for (const [loc, p] of Object.entries(pk)) {
  for (const [name, spec] of Object.entries(p.optionalDependencies ?? {})) {
    if (resolve(loc, name)) continue
    const version = /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec) ? spec : '0.0.0'
    const base = name.split('/').pop()
    pk[`node_modules/${name}`] = {
      version,
      resolved: `https://registry.npmjs.org/${name}/-/${base}-${version}.tgz`,
      ...(p.dev ? { dev: true } : {}),
      optional: true,
      ...platformOf(name),
    }
    added.push(`${name}@${version}`)
  }
}
lock.packages = Object.fromEntries(Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))))
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
console.log(added.length ? `placeholders for unpublished optional dependencies: ${added.join(', ')}` : 'no optional dependency missing')
