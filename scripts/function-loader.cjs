'use strict'
// The entry (index.js) of every deployed function, copied by scripts/build-functions.mjs: it
// requires ./bundle.js (the function itself) as Node would, except that bundle.js and the
// vendored SDK it loads at cold start are compiled with the V8 code cache the build made next to
// them (<file>.cache, listed in code-cache.json): V8 then skips parsing and compiling what the
// build's load compiled (~40-55 ms of CPU per cold start, README "Cold start").
// A cache is used only when it can be trusted: made by this exact V8 (process.versions.v8, the
// `-node.N` patch level included, else skipped without trying), for these exact bytes of the file
// (V8 itself checks only the source's length) and intact (V8 release builds do not checksum it);
// V8 still rejects it (cachedDataRejected) if this process runs with other V8 flags. In every
// other case the file compiles as it would without a cache. One line is logged per cold start.
const crypto = require('node:crypto')
const fs = require('node:fs')
const Module = require('node:module')
const path = require('node:path')
const vm = require('node:vm')

const MANIFEST = 'code-cache.json'
/** Set only by the build's cache step (scripts/build-functions.mjs): compile without a cache and hand back the scripts. */
const produce = globalThis[Symbol.for('desk.codeCache.produce')]

// The wrapper on a line of its own, lineOffset -1: lines and columns in stack traces are the file's own.
const wrap = (source) => `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex')

function makeRequire(mod) {
  const req = (id) => mod.require(id)
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options)
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod)
  req.main = require.main
  req.extensions = Module._extensions
  req.cache = Module._cache
  return req
}

/** Compiles and runs a CommonJS file as Module.prototype._compile does, with `cachedData` when given. */
function compile(mod, filename, source, cachedData) {
  const script = new vm.Script(wrap(source), { filename, lineOffset: -1, cachedData })
  const fn = script.runInThisContext({ displayErrors: true })
  fn.call(mod.exports, mod.exports, makeRequire(mod), mod, filename, path.dirname(filename))
  return script
}

/** file (relative to this folder) → 'accepted' | 'rejected' (by V8) | 'corrupt' | 'stale' (source changed) | 'missing' | 'not loaded' */
const outcome = new Map()
let note = ''
const entries = new Map()
const plain = Module._extensions['.js']

if (produce) {
  // every file of this folder loaded at cold start (not node_modules, not this loader)
  Module._extensions['.js'] = function (mod, filename) {
    const rel = path.relative(__dirname, filename)
    if (rel.startsWith('..') || rel.split(path.sep).includes('node_modules')) return plain.call(this, mod, filename)
    const bytes = fs.readFileSync(filename)
    produce.set(rel, { source: bytes, script: compile(mod, filename, bytes.toString('utf8')) })
  }
} else {
  let manifest = null
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(__dirname, MANIFEST), 'utf8'))
  } catch (e) {
    note = e.code === 'ENOENT' ? `none (no ${MANIFEST})` : `none (${MANIFEST} unreadable)`
  }
  if (manifest && manifest.v8 !== process.versions.v8) note = `skipped: made by V8 ${manifest.v8} (Node ${manifest.node}), this is ${process.versions.v8} (Node ${process.version})`
  else if (manifest) {
    // a manifest of another shape is no cache, never a failed load
    for (const [rel, h] of Object.entries(manifest.files || {})) if (h && typeof h.source === 'string' && typeof h.cache === 'string') entries.set(path.join(__dirname, rel), { rel, source: h.source, cache: h.cache })
    if (!entries.size) note = `none (${MANIFEST} lists no file)`
  }
  for (const e of entries.values()) outcome.set(e.rel, 'not loaded')
  if (entries.size) {
    Module._extensions['.js'] = function (mod, filename) {
      const e = entries.get(filename)
      if (!e) return plain.call(this, mod, filename)
      entries.delete(filename)
      const bytes = fs.readFileSync(filename)
      let cachedData
      if (sha256(bytes) !== e.source) outcome.set(e.rel, 'stale')
      else {
        try {
          cachedData = fs.readFileSync(`${filename}.cache`)
        } catch {
          outcome.set(e.rel, 'missing')
        }
        if (cachedData && sha256(cachedData) !== e.cache) {
          cachedData = undefined
          outcome.set(e.rel, 'corrupt')
        }
      }
      const script = compile(mod, filename, bytes.toString('utf8'), cachedData)
      if (cachedData) outcome.set(e.rel, script.cachedDataRejected ? 'rejected' : 'accepted')
    }
  }
}

try {
  module.exports = require('./bundle.js')
} finally {
  // what loads after the cold start (the SDK's lazy parts, wx-server-sdk) loads as usual
  Module._extensions['.js'] = plain
}

if (!produce) {
  const files = [...outcome].map(([f, o]) => `${f} ${o}`).join(', ')
  // V8 does not say why it rejected a cache: the V8 flags this process runs with are the usual reason
  const flags = [...outcome.values()].includes('rejected') ? `; node flags: ${process.execArgv.join(' ') || 'none'}${process.env.NODE_OPTIONS ? ' + NODE_OPTIONS' : ''}` : ''
  console.log(`[code-cache] ${note || files}${flags}`)
}
