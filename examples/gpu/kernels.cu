// GPU kernels for the wasi:cuda guest examples (examples/gpu/*.c). Compiled to PTX at build time
// (nvcc -ptx -arch=sm_90 when /usr/local/cuda is present, else clang-19's NVPTX back end with
// -nocudainc -nocudalib) and embedded into each guest as a byte array (embed_ptx.cmake).
// All entry points are extern "C" so their PTX names are the plain names the guests pass to
// wasi_cuda_load_ptx. Pointer parameters receive either a guest-memory region (tag 0x07, copied
// to and from the device around a synchronous launch) or a device buffer (tag 0x08).

#if !defined(__NVCC__)
// clang without the CUDA headers (-nocudainc): declare the few CUDA keywords and builtins the
// kernels use by hand. nvcc provides all of these itself.
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define TW_TID_X __nvvm_read_ptx_sreg_tid_x()
#define TW_TID_Y __nvvm_read_ptx_sreg_tid_y()
#define TW_CTAID_X __nvvm_read_ptx_sreg_ctaid_x()
#define TW_CTAID_Y __nvvm_read_ptx_sreg_ctaid_y()
#define TW_NTID_X __nvvm_read_ptx_sreg_ntid_x()
#define TW_NCTAID_X __nvvm_read_ptx_sreg_nctaid_x()
#define TW_SYNCTHREADS() __syncthreads()
#else
#define TW_TID_X threadIdx.x
#define TW_TID_Y threadIdx.y
#define TW_CTAID_X blockIdx.x
#define TW_CTAID_Y blockIdx.y
#define TW_NTID_X blockDim.x
#define TW_NCTAID_X gridDim.x
#define TW_SYNCTHREADS() __syncthreads()
#endif

// c[i] = a[i] + b[i] for i < n.
extern "C" __global__ void vec_add(const float* a, const float* b, float* c, int n) {
  int i = (int)(TW_CTAID_X * TW_NTID_X + TW_TID_X);
  if (i < n) c[i] = a[i] + b[i];
}

// y[i] = alpha * x[i] + y[i] for i < n.
extern "C" __global__ void saxpy(int n, float alpha, const float* x, float* y) {
  int i = (int)(TW_CTAID_X * TW_NTID_X + TW_TID_X);
  if (i < n) y[i] = alpha * x[i] + y[i];
}

// Block-wise sum: out[blockIdx.x] = sum of a grid-stride slice of in[0..n). Needs
// blockDim.x * sizeof(float) bytes of dynamic shared memory; blockDim.x must be a power of two.
// Launch once over the input (one partial per block), then once with a single block over the
// partials to get the total in out[0].
extern "C" __global__ void reduce_sum(const float* in, float* out, int n) {
  extern __shared__ float partial[];
  unsigned tid = TW_TID_X;
  unsigned stride = TW_NTID_X * TW_NCTAID_X;
  float acc = 0.0f;
  for (unsigned i = TW_CTAID_X * TW_NTID_X + tid; i < (unsigned)n; i += stride) acc += in[i];
  partial[tid] = acc;
  TW_SYNCTHREADS();
  for (unsigned s = TW_NTID_X / 2; s > 0; s >>= 1) {
    if (tid < s) partial[tid] += partial[tid + s];
    TW_SYNCTHREADS();
  }
  if (tid == 0) out[TW_CTAID_X] = partial[0];
}

#define TW_TILE 16
// C[M x N] = A[M x K] * B[K x N], row-major, 16x16 shared-memory tiles; launch with block (16,16)
// and grid (ceil(N/16), ceil(M/16)). Any M, N, K >= 1.
extern "C" __global__ void matmul(const float* A, const float* B, float* C, int M, int N, int K) {
  __shared__ float tileA[TW_TILE][TW_TILE];
  __shared__ float tileB[TW_TILE][TW_TILE];
  int tx = (int)TW_TID_X, ty = (int)TW_TID_Y;
  int row = (int)TW_CTAID_Y * TW_TILE + ty;
  int col = (int)TW_CTAID_X * TW_TILE + tx;
  float acc = 0.0f;
  for (int t = 0; t < K; t += TW_TILE) {
    tileA[ty][tx] = (row < M && t + tx < K) ? A[row * K + t + tx] : 0.0f;
    tileB[ty][tx] = (col < N && t + ty < K) ? B[(t + ty) * N + col] : 0.0f;
    TW_SYNCTHREADS();
    for (int k = 0; k < TW_TILE; ++k) acc += tileA[ty][k] * tileB[k][tx];
    TW_SYNCTHREADS();
  }
  if (row < M && col < N) C[row * N + col] = acc;
}

// Does nothing: used by launch-overhead measurements (takes one device-buffer argument).
extern "C" __global__ void empty_kernel(float* unused) {}
