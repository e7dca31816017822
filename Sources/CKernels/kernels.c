#include "ckernels.h"

// One source, compiled for AVX-512, AVX2 + FMA and the x86-64 baseline (or the host's own
// instruction set elsewhere); the copy is chosen once, by what the CPU reports.

typedef float f16 __attribute__((vector_size(64), aligned(4)));
typedef int i16 __attribute__((vector_size(64)));
typedef unsigned int u32x16 __attribute__((vector_size(64)));
typedef unsigned short u16x16 __attribute__((vector_size(32), aligned(2)));
typedef unsigned char u8x16 __attribute__((vector_size(16), aligned(1)));

// Vectors pass between always-inline helpers only, never across a real call, so the
// warning that their calling convention differs between instruction sets does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

#define load16(p) (*(const f16 *)(p))
#define store16(p, v) (*(f16 *)(p) = (v))
#define store_u16x16(p, v) (*(u16x16 *)(p) = (v))
#define store_u8x16(p, v) (*(u8x16 *)(p) = (v))
#define load_u8x16(p) (*(const u8x16 *)(p))
#define load_u16x16(p) (*(const u16x16 *)(p))

#if defined(__x86_64__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define SUFFIX avx512
#define GATHER_AVX512
#include "kernels.inc"
#undef GATHER_AVX512
#undef SUFFIX
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SUFFIX avx2
#include "kernels.inc"
#undef SUFFIX
#pragma clang attribute pop
#endif

#define SUFFIX base
#include "kernels.inc"
#undef SUFFIX

/// 2: AVX-512, 1: AVX2 with FMA, 0: the baseline; what the CPU has, at most `cap`.
static int supported = -1, cap = 2;

static int isa_level(void) {
#if defined(__x86_64__)
    if (supported < 0) {
        __builtin_cpu_init();
        supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") ? 2
                    : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    }
    return supported < cap ? supported : cap;
#else
    return 0;
#endif
}

/// Calls the copy of `name` for this CPU's instruction set.
#if defined(__x86_64__)
#define DISPATCH(name, ...)                                                                    \
    switch (isa_level()) {                                                                     \
    case 2: name##_avx512(__VA_ARGS__); return;                                                \
    case 1: name##_avx2(__VA_ARGS__); return;                                                  \
    default: name##_base(__VA_ARGS__); return;                                                 \
    }
#else
#define DISPATCH(name, ...) name##_base(__VA_ARGS__);
#endif

void clarity_edge_max_row(const float *src, long stride, int width, int kernel, int factor, int candidates,
                          const float *weights, float *out) {
    DISPATCH(edge_max_row, src, stride, width, kernel, factor, candidates, weights, out)
}

void clarity_store_samples(const float *src, long count, void *dst, int wide, float maxValue) {
    DISPATCH(store_samples, src, count, dst, wide, maxValue)
}

void clarity_plane_conv_row(const float *src, long stride, int width, int kernel, int step, int channels,
                            const float *weights, const float *bias, int activation, float alpha, void *out, int bf16) {
    DISPATCH(plane_conv_row, src, stride, width, kernel, step, channels, weights, bias, activation, alpha, out, bf16)
}

void clarity_widen_row(const float *padded, int width, int factor, int kernel, const float *taps, float *out) {
    DISPATCH(widen_row, padded, width, factor, kernel, taps, out)
}

void clarity_add_weighted_rows(float *out, long length, const float *const *rows, const float *weights, int count) {
    DISPATCH(add_weighted_rows, out, length, rows, weights, count)
}

void clarity_store_blended(const float *acc, const float *weight, const float *canvasWeight, long count, void *row,
                           int wide, float maxValue) {
    DISPATCH(store_blended, acc, weight, canvasWeight, count, row, wide, maxValue)
}

void clarity_coat_row(const unsigned char *mask, long count, const float *paint, float opacity, float *rgba, long stride) {
    DISPATCH(coat_row, mask, count, paint, opacity, rgba, stride)
}

void clarity_layer_row(const float *rgba, long stride, int rows, int bx, long count, const float *weights, float *value,
                       float *alpha) {
    DISPATCH(layer_row, rgba, stride, rows, bx, count, weights, value, alpha)
}

void clarity_gather_taps(const float *src, const int *first, const float *weights, int taps, long count, float *dst) {
    DISPATCH(gather_taps, src, first, weights, taps, count, dst)
}

void clarity_lay_under(const float *value, const float *alpha, long count, void *row, long step, int shift, int wide,
                       int depth) {
    DISPATCH(lay_under, value, alpha, count, row, step, shift, wide, depth)
}

void clarity_shuffle_row(const float *src, long pixel, const int *gather, int span, int width, float *dst,
                         int accumulate) {
    DISPATCH(shuffle_row, src, pixel, gather, span, width, dst, accumulate)
}

void clarity_copy_segments(const float *src, long pixel, const int *segments, int count, int span, int width,
                           float *dst, int accumulate) {
    DISPATCH(copy_segments, src, pixel, segments, count, span, width, dst, accumulate)
}

void clarity_span(const float *src, long count, float *low, float *high) {
    DISPATCH(span, src, count, low, high)
}

void clarity_channel_sums(const float *src, long pixels, int channels, float *sums) {
    DISPATCH(channel_sums, src, pixels, channels, sums)
}

void clarity_gated_copy(const float *src, long pixels, int channels, const float *gate, void *dst, long dst_pixel,
                        int bf16) {
    DISPATCH(gated_copy, src, pixels, channels, gate, dst, dst_pixel, bf16)
}

void clarity_separable_head_row(const float *const *rows, int width, int channels, int kernel, const float *weights,
                                float bias, const float *residual, float *out) {
    DISPATCH(separable_head_row, rows, width, channels, kernel, weights, bias, residual, out)
}

const char *clarity_kernels_cap(int level) {
    cap = level < 0 ? 0 : level > 2 ? 2 : level;
    return clarity_kernels_isa();
}

const char *clarity_kernels_isa(void) {
    static const char *names[] = {"sse2", "avx2", "avx512"};
#if defined(__x86_64__)
    return names[isa_level()];
#else
    return "generic";
#endif
}
