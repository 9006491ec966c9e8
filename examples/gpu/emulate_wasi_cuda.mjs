#!/usr/bin/env node
// A CPU stand-in for the `wasi:cuda/host@0.2.0` host, on Node.js (builtin modules only), to check
// the GPU guest examples' own logic (argument records, buffer handling, result checks, the SKIP
// path) on machines without a GPU. It is a test aid, not the real host: it knows only the entry
// points of examples/gpu/kernels.cu and runs them in JavaScript, launches execute at once (the
// stream order makes that indistinguishable to a guest), and the error checks follow
// shared/spec/guest-abi.md (dimensions -8, records -9, regions -2, buffers -11, unknown kernel -3,
// unknown entry -4). With --no-gpu every call behaves as on a host without a GPU: device_count 0,
// everything else -1 with last error "no CUDA device (emulated)". With --corrupt every kernel adds
// 1 to the first element it writes, so a guest's FAIL path can be checked.
//
//   node emulate_wasi_cuda.mjs [--no-gpu] [--corrupt] FILE.wasm [--] [ARGS...]
//
// Exit status: the guest's exit code; 4 when the guest traps; 2 on bad usage.

process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') console.error(w.toString());
});

const fs = await import('node:fs');
const { WASI } = await import('node:wasi');

const argv = process.argv.slice(2);
let noGpu = false;
let corrupt = false;
let file = null;
const guestArgs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--no-gpu') noGpu = true;
  else if (a === '--corrupt') corrupt = true;
  else if (a === '--') { guestArgs.push(...argv.slice(i + 1)); break; }
  else if (!file) file = a;
  else guestArgs.push(a);
}
if (!file) {
  process.stderr.write('usage: node emulate_wasi_cuda.mjs [--no-gpu] [--corrupt] FILE.wasm [--] [ARGS...]\n');
  process.exit(2);
}

const E = { NotAvailable: -1, InvalidPointer: -2, InvalidKernel: -3, MalformedPtx: -4,
  LaunchFailed: -5, QuotaExceeded: -6, Internal: -7, InvalidDimensions: -8, InvalidArgs: -9,
  KernelArgsUnsupported: -10, InvalidBuffer: -11 };

let memory = null;
let lastError = '';
const fail = (code, msg) => { lastError = msg; return code; };
const bytes = () => new Uint8Array(memory.buffer);
const view = () => new DataView(memory.buffer);
const inBounds = (ptr, len) => ptr >= 0 && len >= 0 && ptr + len <= memory.buffer.byteLength;
const readStr = (ptr, len) => new TextDecoder().decode(bytes().slice(ptr, ptr + len));

const kernels = [];          // id -> entry name
const buffers = new Map();   // handle -> ArrayBuffer
let nextHandle = 1;

// Parameter kinds of each known entry: 'p' pointer (region or buffer), 'i' i32, 'f' f32.
const signatures = {
  vec_add: 'pppi', saxpy: 'ifpp', reduce_sum: 'ppi', matmul: 'pppiii', empty_kernel: 'p',
};

function parseArgs(ptr, len) {
  if (!inBounds(ptr, len)) return { code: fail(E.InvalidPointer, 'argument records out of bounds') };
  if (len > 4096) return { code: fail(E.InvalidArgs, 'argument records over 4 KiB') };
  const dv = view();
  const out = [];
  let p = ptr;
  const end = ptr + len;
  while (p < end) {
    const tag = dv.getUint8(p++);
    const need = { 1: 4, 2: 8, 3: 4, 4: 8, 5: 4, 6: 8, 7: 8, 8: 16 }[tag];
    if (need === undefined) return { code: fail(E.InvalidArgs, `unknown argument tag ${tag}`) };
    if (p + need > end) return { code: fail(E.InvalidArgs, 'truncated argument record') };
    if (tag === 1) out.push({ kind: 'i', v: dv.getInt32(p, true) });
    else if (tag === 3) out.push({ kind: 'f', v: dv.getFloat32(p, true) });
    else if (tag === 5) out.push({ kind: 'i', v: dv.getUint32(p, true) });
    else if (tag === 2 || tag === 6) out.push({ kind: 'l', v: dv.getBigInt64(p, true) });
    else if (tag === 4) out.push({ kind: 'd', v: dv.getFloat64(p, true) });
    else if (tag === 7) {
      const off = dv.getUint32(p, true), n = dv.getUint32(p + 4, true);
      if (off + n > memory.buffer.byteLength) return { code: fail(E.InvalidPointer, 'region past the end of memory') };
      out.push({ kind: 'p', region: true, off, n });
    } else if (tag === 8) {
      const h = Number(dv.getBigUint64(p, true)), off = Number(dv.getBigUint64(p + 8, true));
      const buf = buffers.get(h);
      if (!buf || off > buf.byteLength) return { code: fail(E.InvalidBuffer, `buffer ${h} unknown or offset past its end`) };
      out.push({ kind: 'p', region: false, buf, off });
    }
    p += need;
    if (out.length > 128) return { code: fail(E.InvalidArgs, 'more than 128 records') };
  }
  return { args: out };
}

// Runs `entry` on Float32Array views; `dim` = {grid:[x,y,z], block:[x,y,z], shared}.
function execute(entry, a, dim) {
  const f = Math.fround;
  const threads = dim.grid[0] * dim.block[0];
  if (entry === 'vec_add') {
    const [x, y, z, n] = a;
    for (let i = 0; i < Math.min(n, threads); i++) z[i] = f(x[i] + y[i]);
  } else if (entry === 'saxpy') {
    const [n, alpha, x, y] = a;
    for (let i = 0; i < Math.min(n, threads); i++) y[i] = f(f(alpha * x[i]) + y[i]);
  } else if (entry === 'reduce_sum') {
    const [inp, out, n] = a;
    const bd = dim.block[0];
    if (dim.shared < bd * 4) return fail(E.LaunchFailed, 'reduce_sum: shared memory too small (emulated fault)');
    if (bd & (bd - 1)) return fail(E.LaunchFailed, 'reduce_sum: block size not a power of two');
    const sums = new Array(dim.grid[0]).fill(0);
    for (let i = 0; i < n; i++) sums[Math.floor((i % threads) / bd)] += inp[i];
    for (let b = 0; b < dim.grid[0]; b++) out[b] = f(sums[b]);
  } else if (entry === 'matmul') {
    const [A, B, C, M, N, K] = a;
    if (dim.block[0] !== 16 || dim.block[1] !== 16) return fail(E.LaunchFailed, 'matmul wants 16x16 blocks');
    for (let r = 0; r < Math.min(M, dim.grid[1] * 16); r++)
      for (let c = 0; c < Math.min(N, dim.grid[0] * 16); c++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = f(acc + f(A[r * K + k] * B[k * N + c]));
        C[r * N + c] = acc;
      }
  }
  return 0;
}

const cuda = {
  wasi_cuda_device_count: () => (noGpu ? (lastError = 'no CUDA device (emulated)', 0) : 1),
  wasi_cuda_last_error_len: () => new TextEncoder().encode(lastError).length,
  wasi_cuda_last_error_copy: (ptr, len) => {
    if (!inBounds(ptr, len)) return E.InvalidPointer;
    const b = new TextEncoder().encode(lastError).slice(0, len);
    bytes().set(b, ptr);
    return b.length;
  },
  wasi_cuda_load_ptx: (ptr, len, eptr, elen) => {
    if (noGpu) return BigInt(fail(E.NotAvailable, 'no CUDA device (emulated)'));
    if (!inBounds(ptr, len) || !inBounds(eptr, elen)) return BigInt(fail(E.InvalidPointer, 'bad pointer'));
    const ptx = readStr(ptr, len), entry = readStr(eptr, elen);
    if (!ptx.includes(`.entry ${entry}(`)) return BigInt(fail(E.MalformedPtx, `entry ${entry} not in PTX`));
    if (!signatures[entry]) return BigInt(fail(E.MalformedPtx, `entry ${entry} unknown to the emulator`));
    kernels.push(entry);
    return BigInt(kernels.length - 1);
  },
  wasi_cuda_load_registered: () => BigInt(fail(noGpu ? E.NotAvailable : E.Internal, 'not emulated')),
  wasi_cuda_launch: (kernel, gx, gy, gz, bx, by, bz, shared, aptr, alen) => {
    if (noGpu) return fail(E.NotAvailable, 'no CUDA device (emulated)');
    const entry = kernels[Number(kernel)];
    if (entry === undefined) return fail(E.InvalidKernel, `unknown kernel ${kernel}`);
    for (const b of [bx, by, bz]) if (b < 1 || b > 1024) return fail(E.InvalidDimensions, 'block dim out of range');
    if (bx * by * bz > 1024) return fail(E.InvalidDimensions, 'block over 1024 threads');
    for (const g of [gx, gy, gz]) if (g < 1) return fail(E.InvalidDimensions, 'grid dim out of range');
    const parsed = parseArgs(aptr, alen);
    if (parsed.code !== undefined) return parsed.code;
    const sig = signatures[entry];
    if (parsed.args.length !== sig.length) return fail(E.InvalidArgs, `${entry} takes ${sig.length} arguments`);
    const copies = [];
    const vals = parsed.args.map((r, i) => {
      if (sig[i] === 'p') {
        if (r.kind !== 'p') return null;
        if (r.region) {  // device copy of the region, written back after the kernel
          const copy = new Float32Array(Math.floor(r.n / 4));
          new Uint8Array(copy.buffer).set(bytes().subarray(r.off, r.off + copy.length * 4));
          copies.push([r.off, copy]);
          return copy;
        }
        return new Float32Array(r.buf, r.off, Math.floor((r.buf.byteLength - r.off) / 4));
      }
      if (sig[i] === 'i' && r.kind === 'i') return r.v;
      if (sig[i] === 'f' && r.kind === 'f') return r.v;
      return null;
    });
    if (vals.includes(null)) return fail(E.InvalidArgs, `${entry}: argument kinds do not match`);
    const rc = execute(entry, vals, { grid: [gx, gy, gz], block: [bx, by, bz], shared });
    if (corrupt && rc === 0) {
      const written = { vec_add: 2, saxpy: 3, reduce_sum: 1, matmul: 2 }[entry];
      if (written !== undefined) vals[written][0] += 1;
    }
    for (const [off, copy] of copies) bytes().set(new Uint8Array(copy.buffer), off);
    return rc;
  },
  wasi_cuda_sync: () => (noGpu ? fail(E.NotAvailable, 'no CUDA device (emulated)') : 0),
  wasi_cuda_mem_alloc: (size) => {
    if (noGpu) return BigInt(fail(E.NotAvailable, 'no CUDA device (emulated)'));
    if (size <= 0n || size > 1n << 30n) return BigInt(fail(E.QuotaExceeded, 'bad size'));
    buffers.set(nextHandle, new ArrayBuffer(Number(size)));
    return BigInt(nextHandle++);
  },
  wasi_cuda_mem_free: (h) => {
    if (noGpu) return fail(E.NotAvailable, 'no CUDA device (emulated)');
    if (!buffers.delete(Number(h))) return fail(E.InvalidBuffer, `unknown buffer ${h}`);
    return 0;
  },
  wasi_cuda_memcpy_htod: (h, off, src, len) => {
    if (noGpu) return fail(E.NotAvailable, 'no CUDA device (emulated)');
    const buf = buffers.get(Number(h));
    if (!buf || Number(off) + len > buf.byteLength || len < 0) return fail(E.InvalidBuffer, 'bad buffer range');
    if (!inBounds(src, len)) return fail(E.InvalidPointer, 'bad guest range');
    new Uint8Array(buf, Number(off), len).set(bytes().subarray(src, src + len));
    return 0;
  },
  wasi_cuda_memcpy_dtoh: (dst, h, off, len) => {
    if (noGpu) return fail(E.NotAvailable, 'no CUDA device (emulated)');
    const buf = buffers.get(Number(h));
    if (!buf || Number(off) + len > buf.byteLength || len < 0) return fail(E.InvalidBuffer, 'bad buffer range');
    if (!inBounds(dst, len)) return fail(E.InvalidPointer, 'bad guest range');
    bytes().set(new Uint8Array(buf, Number(off), len), dst);
    return 0;
  },
};

const wasi = new WASI({ version: 'preview1', args: [file, ...guestArgs], env: {}, returnOnExit: true });
let code;
try {
  const module = await WebAssembly.compile(fs.readFileSync(file));
  const instance = await WebAssembly.instantiate(module, {
    wasi_snapshot_preview1: wasi.wasiImport,
    'wasi:cuda/host@0.2.0': cuda,
  });
  memory = instance.exports.memory;
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`error: trap: ${e.message}\n`);
  code = 4;
}
process.exit(code ?? 0);
