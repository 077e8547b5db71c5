// Extra jsdom stubs the seller pages need (imported by the admin-* tests; the shared setup stays as is).
// jsdom has no media playback: Taro's Video calls load() when it mounts.
Object.defineProperty(window.HTMLMediaElement.prototype, 'load', { configurable: true, value: () => {} })
Object.defineProperty(window.HTMLMediaElement.prototype, 'pause', { configurable: true, value: () => {} })
export {}
