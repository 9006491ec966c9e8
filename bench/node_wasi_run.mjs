#!/usr/bin/env node
// Reference WASI runner on Node.js (builtin modules only), used for differential checks and as a
// benchmark peer. Mirrors the `tensorwasm run` interface where it can:
//
//   node node_wasi_run.mjs FILE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [--] [ARGS...]
//   node node_wasi_run.mjs FILE.wasm --invoke NAME [--args JSON-array]
//
// Exit status: the guest's exit code (proc_exit, or 0 when _start returns); 4 when the guest traps
// (message on stderr as `error: trap: ...`, like the CLI); 2 on bad usage or a module that does not
// load. The guest's stdout/stderr are this process's. argv[0] of the guest is FILE as given.
// With --invoke the export's result is printed: nothing, one scalar, or a JSON array.

// node:wasi prints an ExperimentalWarning on first use; keep stderr clean for the guest.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') console.error(w.toString());
});

const fs = await import('node:fs');
const path = await import('node:path');
const { WASI } = await import('node:wasi');

function usage(msg) {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write(
    'usage: node node_wasi_run.mjs FILE.wasm [--dir HOST[::GUEST]]... [--env K=V]... [--] [ARGS...]\n' +
    '       node node_wasi_run.mjs FILE.wasm --invoke NAME [--args JSON-array]\n');
  process.exit(2);
}

const argv = process.argv.slice(2);
let file = null;
const guestArgs = [];
const preopens = {};
const env = {};
let invoke = null;
let invokeArgs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    if (i + 1 >= argv.length) usage(`${a} needs a value`);
    return argv[++i];
  };
  if (a === '--') {
    guestArgs.push(...argv.slice(i + 1));
    break;
  } else if (a === '--dir' || a.startsWith('--dir=')) {
    const v = a === '--dir' ? next() : a.slice(6);
    const sep = v.indexOf('::');
    const host = sep >= 0 ? v.slice(0, sep) : v;
    const guest = sep >= 0 ? v.slice(sep + 2) : v;
    preopens[guest] = path.resolve(host);
  } else if (a === '--env' || a.startsWith('--env=')) {
    const v = a === '--env' ? next() : a.slice(6);
    const eq = v.indexOf('=');
    if (eq <= 0) usage(`--env wants K=V, got '${v}'`);
    env[v.slice(0, eq)] = v.slice(eq + 1);
  } else if (a === '--invoke' || a.startsWith('--invoke=')) {
    invoke = a === '--invoke' ? next() : a.slice(9);
  } else if (a === '--args' || a.startsWith('--args=')) {
    const v = a === '--args' ? next() : a.slice(7);
    try {
      invokeArgs = JSON.parse(v);
    } catch (e) {
      usage(`--args is not JSON: ${e.message}`);
    }
    if (!Array.isArray(invokeArgs)) usage('--args wants a JSON array');
  } else if (a === '-h' || a === '--help') {
    usage();
  } else if (file === null) {
    file = a;
  } else {
    guestArgs.push(a); // like `tensorwasm run FILE ARGS...`
  }
}
if (file === null) usage('no FILE.wasm given');

let module;
try {
  module = await WebAssembly.compile(fs.readFileSync(file));
} catch (e) {
  process.stderr.write(`error: ${file}: ${e.message}\n`);
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [file, ...guestArgs],
  env,
  preopens,
  returnOnExit: true,
});

let instance;
try {
  // Node 18 (Debian 12) has no getImportObject(); its wasiImport is preview1.
  const imports = wasi.getImportObject ? wasi.getImportObject() : { wasi_snapshot_preview1: wasi.wasiImport };
  instance = await WebAssembly.instantiate(module, imports);
} catch (e) {
  process.stderr.write(`error: instantiate: ${e.message}\n`);
  process.exit(2);
}

function trapExit(e) {
  const what = e instanceof RangeError && /call stack/i.test(e.message)
    ? 'call stack exhausted' : e.message;
  process.stderr.write(`error: trap: ${what}\n`);
  process.exit(4);
}

function fmt(v) {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return JSON.stringify(String(v));
  return JSON.stringify(v);
}

const ex = instance.exports;
if (invoke !== null) {
  const fn = ex[invoke];
  if (typeof fn !== 'function') {
    process.stderr.write(`error: no exported function '${invoke}'\n`);
    process.exit(2);
  }
  try {
    // initialize() refuses modules exporting _start; hand it just what it needs.
    const view = { memory: ex.memory };
    if (typeof ex._initialize === 'function') view._initialize = ex._initialize;
    if (ex.memory) wasi.initialize({ exports: view });
  } catch (e) {
    trapExit(e);
  }
  let result;
  try {
    result = fn(...invokeArgs);
  } catch (e) {
    if (e instanceof TypeError && /BigInt/.test(e.message)) {
      // i64 parameters want BigInt; retry with integers converted.
      try {
        result = fn(...invokeArgs.map((x) => (Number.isInteger(x) ? BigInt(x) : x)));
      } catch (e2) {
        trapExit(e2);
      }
    } else {
      trapExit(e);
    }
  }
  if (result !== undefined) {
    process.stdout.write((Array.isArray(result) ? `[${result.map(fmt).join(',')}]` : fmt(result)) + '\n');
  }
  process.exit(0);
}

let code;
try {
  code = wasi.start(instance);
} catch (e) {
  trapExit(e);
}
process.exitCode = code ?? 0;
