;; The guest side of gpu_launch_bench: loads a kernel and a buffer through wasi:cuda, then
;; launches it n times asynchronously with device-buffer arguments (one call per launch).
(module
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_load_ptx" (func $load (param i32 i32 i32 i32) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_mem_alloc" (func $alloc (param i64) (result i64)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_launch" (func $launch (param i64 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:cuda/host@0.2.0" "wasi_cuda_sync" (func $sync (result i32)))
  (memory (export "memory") 1)
  (func (export "load") (param i32 i32 i32 i32) (result i64)
    local.get 0 local.get 1 local.get 2 local.get 3 call $load)
  (func (export "alloc") (param i64) (result i64) local.get 0 call $alloc)
  (func (export "sync") (result i32) call $sync)
  (func (export "launch_n") (param $k i64) (param $args i32) (param $len i32) (param $n i32) (result i32)
    (local $i i32) (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $r (call $launch (local.get $k) (i32.const 1) (i32.const 1) (i32.const 1)
                                    (i32.const 1) (i32.const 1) (i32.const 1) (i32.const 0)
                                    (local.get $args) (local.get $len)))
        (br_if $done (local.get $r))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $r)))
