import type { Readable } from 'node:stream'

/**
 * A streaming multipart/form-data reader for the upload endpoint: it hands the bytes of one file
 * field to a sink as they arrive and never holds more than one network chunk plus a boundary's
 * length, so a huge body is refused at the size limit without being buffered. (busboy would be the
 * library of choice; it is not installed here and nothing new may be installed — see the notes.)
 *
 * Only what an upload needs: one part named `field` is streamed to `onData`; other parts are
 * skipped (their bytes are discarded as they stream); parts' headers are capped at 8 KB.
 */
export class MultipartError extends Error {}
export class TooLarge extends Error {}

const HEADER_MAX = 8 * 1024
const CRLF = Buffer.from('\r\n')

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  return m ? (m[1] ?? m[2]) : null
}

export interface FilePart {
  filename: string
}

/**
 * Reads `body` to its end. Calls `onFile` when the file part starts and `onData` with each slice of
 * its bytes; rejects with TooLarge as soon as the file passes `maxBytes` (the caller stops reading)
 * and with MultipartError when the body is not well-formed multipart. Resolves the total size, or
 * null when no part named `field` was present.
 */
export function readFilePart(
  body: Readable,
  boundary: string,
  field: string,
  maxBytes: number,
  onFile: (part: FilePart) => void,
  onData: (chunk: Buffer) => void | Promise<void>,
): Promise<number | null> {
  // Every delimiter is CRLF--boundary; the body's first one has no CRLF before it, so one is prepended.
  const delim = Buffer.from(`\r\n--${boundary}`)
  let pending: Buffer = Buffer.from(CRLF)
  let state: 'preamble' | 'after-delim' | 'headers' | 'part' | 'done' = 'preamble'
  let inFile = false
  let found = false
  let size = 0

  const emit = async (bytes: Buffer) => {
    if (!inFile || bytes.length === 0) return
    size += bytes.length
    if (size > maxBytes) throw new TooLarge()
    await onData(bytes)
  }

  const parseHeaders = (raw: string) => {
    const disp = /^content-disposition:\s*form-data(.*)$/im.exec(raw)
    if (!disp) throw new MultipartError('part without content-disposition')
    const name = /;\s*name="([^"]*)"/i.exec(disp[1])?.[1]
    const filename = /;\s*filename="([^"]*)"/i.exec(disp[1])?.[1]
    inFile = name === field && filename !== undefined && !found
    if (inFile) {
      found = true
      onFile({ filename: filename ?? '' })
    }
  }

  /** Consumes as much of `pending` as the current state allows; false when it needs more bytes. */
  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = pending.indexOf(delim)
        if (at < 0) {
          if (pending.length > HEADER_MAX + delim.length) throw new MultipartError('no boundary')
          return false
        }
        pending = pending.subarray(at + delim.length)
        state = 'after-delim'
        return true
      }
      case 'after-delim': {
        if (pending.length < 2) return false
        if (pending[0] === 0x2d && pending[1] === 0x2d) {
          state = 'done'
          pending = Buffer.alloc(0)
          return false
        }
        // transport padding before the CRLF is allowed by RFC 2046
        const eol = pending.indexOf(CRLF)
        if (eol < 0) {
          if (pending.length > 64) throw new MultipartError('bad delimiter line')
          return false
        }
        if (pending.subarray(0, eol).toString('latin1').trim() !== '') throw new MultipartError('bad delimiter line')
        pending = pending.subarray(eol + 2)
        state = 'headers'
        return true
      }
      case 'headers': {
        const end = pending.indexOf('\r\n\r\n')
        if (end < 0) {
          if (pending.length > HEADER_MAX) throw new MultipartError('part headers too long')
          return false
        }
        parseHeaders(pending.subarray(0, end).toString('utf8'))
        pending = pending.subarray(end + 4)
        state = 'part'
        return true
      }
      case 'part': {
        const at = pending.indexOf(delim)
        if (at >= 0) {
          await emit(pending.subarray(0, at))
          pending = pending.subarray(at + delim.length)
          inFile = false
          state = 'after-delim'
          return true
        }
        // keep a tail that may be the start of a delimiter split across chunks
        const safe = pending.length - (delim.length - 1)
        if (safe > 0) {
          await emit(pending.subarray(0, safe))
          pending = pending.subarray(safe)
        }
        return false
      }
      case 'done':
        pending = Buffer.alloc(0) // epilogue: ignored
        return false
    }
  }

  return new Promise((resolve, reject) => {
    let failed = false
    const fail = (e: unknown) => {
      if (failed) return
      failed = true
      body.removeAllListeners('data')
      body.pause()
      reject(e)
    }
    let chain = Promise.resolve()
    body.on('data', (chunk: Buffer) => {
      // backpressure: one chunk at a time, so a slow sink never lets chunks pile up in memory
      body.pause()
      chain = chain
        .then(async () => {
          if (failed) return
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
          while (await step());
          body.resume()
        })
        .catch(fail)
    })
    body.once('error', fail)
    body.once('end', () => {
      chain
        .then(() => {
          if (failed) return
          if (state !== 'done') throw new MultipartError('body ended before the closing boundary')
          resolve(found ? size : null)
        })
        .catch(fail)
    })
  })
}
