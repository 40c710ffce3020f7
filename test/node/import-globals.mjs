// Imports every entry point with the browser globals replaced by traps, and prints the names of
// those that were touched, as JSON. The dependencies are imported first, untrapped: their own
// import-time feature checks are not this package's.
import 'oauth4webapi';
import 'idb-keyval';
import 'react';
import 'vue';

const GLOBALS = ['window', 'self', 'document', 'location', 'history', 'navigator', 'indexedDB', 'BroadcastChannel', 'localStorage', 'sessionStorage', 'addEventListener', 'fetch', 'crypto'];
const touched = new Set();
for (const name of GLOBALS) {
  const original = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      touched.add(name);
      return original?.get ? original.get.call(globalThis) : original?.value;
    },
  });
}

await import('../../dist/spa-oauth.mjs');
await import('../../dist/react.mjs');
await import('../../dist/vue.mjs');
console.log(JSON.stringify([...touched]));
