// PTX kernels for the real-GPU tests and the launch benchmark, generated once with
// `nvcc -arch=sm_90 -ptx` (CUDA 13.0) from this CUDA C and pasted here so the binaries need no
// files at run time:
//   extern "C" __global__ void vadd(const float* a, const float* b, float* c, int n)
//     { int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < n) c[i] = a[i] + b[i]; }
//   extern "C" __global__ void empty() {}
//   extern "C" __global__ void empty_args(float* a, int n) {}
//   extern "C" __global__ void fault() { *(volatile int*)8 = 1; }    // illegal address
//   extern "C" __global__ void trapk() { __trap(); }                 // trap instruction
// and one kernel written directly in PTX: `spin`, an endless loop (for deadlines).
#pragma once

namespace tw::testing {

inline constexpr const char* kRealPtx =
R"PTX(.version 9.0
.target sm_90
.address_size 64
.visible .entry vadd(
	.param .u64 vadd_param_0,
	.param .u64 vadd_param_1,
	.param .u64 vadd_param_2,
	.param .u32 vadd_param_3
)
{
	.reg .pred 	%p<2>;
	.reg .f32 	%f<4>;
	.reg .b32 	%r<6>;
	.reg .b64 	%rd<11>;
	ld.param.u64 	%rd1, [vadd_param_0];
	ld.param.u64 	%rd2, [vadd_param_1];
	ld.param.u64 	%rd3, [vadd_param_2];
	ld.param.u32 	%r2, [vadd_param_3];
	mov.u32 	%r3, %ctaid.x;
	mov.u32 	%r4, %ntid.x;
	mov.u32 	%r5, %tid.x;
	mad.lo.s32 	%r1, %r3, %r4, %r5;
	setp.ge.s32 	%p1, %r1, %r2;
	@%p1 bra 	$L__BB0_2;
	cvta.to.global.u64 	%rd4, %rd1;
	mul.wide.s32 	%rd5, %r1, 4;
	add.s64 	%rd6, %rd4, %rd5;
	cvta.to.global.u64 	%rd7, %rd2;
	add.s64 	%rd8, %rd7, %rd5;
	ld.global.f32 	%f1, [%rd8];
	ld.global.f32 	%f2, [%rd6];
	add.f32 	%f3, %f2, %f1;
	cvta.to.global.u64 	%rd9, %rd3;
	add.s64 	%rd10, %rd9, %rd5;
	st.global.f32 	[%rd10], %f3;
$L__BB0_2:
	ret;
}
.visible .entry empty()
{
	ret;
}
.visible .entry empty_args(
	.param .u64 empty_args_param_0,
	.param .u32 empty_args_param_1
)
{
	ret;
}
.visible .entry fault()
{
	.reg .b32 	%r<2>;
	.reg .b64 	%rd<2>;
	mov.u64 	%rd1, 8;
	mov.u32 	%r1, 1;
	st.volatile.u32 	[%rd1], %r1;
	ret;
}
.visible .entry trapk()
{
	trap;
	ret;
}
.visible .entry spin()
{
$Lspin:
	bra.uni 	$Lspin;
}
)PTX"
;

}  // namespace tw::testing
