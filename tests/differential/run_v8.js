// Runs a binaryen translate-to-fuzz module in Node's V8 and prints what binaryen's
// --fuzz-exec-before prints, so one parser reads both:
//   [fuzz-exec] calling NAME / [LoggingExternalInterface logging V...] /
//   [fuzz-exec] note result: NAME => V  or  => (V, V) / [trap MESSAGE]
// Usage: node run_v8.js MODULE.wasm PLAN.txt
// PLAN.txt has one line per exported function, in export order:
//   NAME<TAB>PARAMS<TAB>RESULTS   (type letters: i i32, I i64, f f32, F f64, v v128,
//                                  r funcref, e externref; "-" for none)
// JS cannot pass v128 values, so an export with v128 in its signature and a call to the
// log-v128 import both throw a TypeError, reported as a trap (the C++ driver mirrors this).
// If V8 refuses to compile or link the module the only line printed is "[v8-reject ...]".
'use strict';
const fs = require('fs');

const [wasmPath, planPath] = process.argv.slice(2);
const out = [];
const emit = (line) => out.push(line);
const flush = () => process.stdout.write(out.length ? out.join('\n') + '\n' : '');

function fmt(x) {
  if (typeof x === 'bigint') return x.toString();
  if (typeof x === 'number') {
    if (Number.isNaN(x)) return 'nan';
    if (x === Infinity) return 'inf';
    if (x === -Infinity) return '-inf';
    if (Object.is(x, -0)) return '-0';
    return String(x);
  }
  if (x === null || x === undefined) return 'nullref';
  return 'ref';
}

function i64Halves(x) {
  const lo = BigInt.asIntN(32, x);
  const hi = BigInt.asIntN(32, x >> 32n);
  return lo.toString() + ' ' + hi.toString();
}

const log = (text) => emit('[LoggingExternalInterface logging ' + text + ']');
const imports = {
  'fuzzing-support': {
    'log-i32': (x) => log(fmt(x)),
    'log-i64': (x) => log(i64Halves(x)),
    'log-f32': (x) => log(fmt(x)),
    'log-f64': (x) => log(fmt(x)),
    'log-v128': () => log('unreachable: v128 cannot reach JS'),
  },
};

const zeroFor = { i: 0, I: 0n, f: 0, F: 0, r: null, e: null };
const plan = fs.readFileSync(planPath, 'utf8').split('\n').filter((l) => l.length)
  .map((l) => {
    const [name, params, results] = l.split('\t');
    return { name, params: params === '-' ? '' : params, results: results === '-' ? '' : results };
  });

let instance;
try {
  instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)), imports);
} catch (e) {
  emit('[v8-reject ' + String(e).split('\n')[0] + ']');
  flush();
  process.exit(0);
}

const ex = instance.exports;
for (const { name, params, results } of plan) {
  emit('[fuzz-exec] calling ' + name);
  try {
    if (typeof ex.hangLimitInitializer === 'function') ex.hangLimitInitializer();
    const args = [...params].map((t) => zeroFor[t]);
    const r = ex[name](...args);
    if (results.length === 1) {
      emit('[fuzz-exec] note result: ' + name + ' => ' + fmt(r));
    } else if (results.length > 1) {
      emit('[fuzz-exec] note result: ' + name + ' => (' + [...r].map(fmt).join(', ') + ')');
    }
  } catch (e) {
    emit('[trap ' + String(e).split('\n')[0] + ']');
  }
}
flush();
