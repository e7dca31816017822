#ifndef CLARITY_CKERNELS_H
#define CLARITY_CKERNELS_H

/// One output row of edge-SR's eSR-MAX layer, made straight from its one-channel input: the
/// k x k convolution to `factor` x `candidates` channels of the row's phase, the max over
/// candidates, and the pixel shuffle, so the factor² x candidates channel tensor is never
/// written. out[x * factor + j] = max_c sum_t weights[(j * candidates + c) * k * k + t] * tap t.
///
/// `src` is the first of the k input rows that the output row reads, `stride` floats apart,
/// each padded with zeros: k / 2 before column 0 and at least k / 2 + 15 after the last.
/// `out` holds width * factor floats. factor * candidates must be at most 16.
void clarity_edge_max_row(const float *src, long stride, int width, int kernel, int factor, int candidates,
                          const float *weights, float *out);

/// One output row of a convolution from one input channel to `channels` (16, 32, 48 or 64):
/// `width` pixels of `channels` interleaved values (NHWC), f32, or bf16 (rounded to nearest
/// even) when `bf16`. `src` is the padded input row of the first kernel row (zeros around the
/// plane, as the convolution's padding), rows `stride` floats apart; output pixel x reads
/// columns x * step ..< x * step + kernel. weights[(dy * kernel + dx) * channels + c], bias
/// (may be NULL) per channel; activation 0: none, 1: ReLU, 2: leaky ReLU with slope alpha.
void clarity_plane_conv_row(const float *src, long stride, int width, int kernel, int step, int channels,
                            const float *weights, const float *bias, int activation, float alpha, void *out, int bf16);

/// One row upsampled along x by `factor` with per-phase taps:
/// out[x * factor + j] = sum_u taps[j * kernel + u] * padded[x + u], for x < width. `padded` is
/// the row with kernel / 2 zeros before it and at least kernel / 2 + 15 after. factor <= 4.
void clarity_widen_row(const float *padded, int width, int factor, int kernel, const float *taps, float *out);

/// out[x] += sum_v weights[v] * rows[v][x] for x < length (a vertical filter's taps, summed
/// onto an output row in one pass).
void clarity_add_weighted_rows(float *out, long length, const float *const *rows, const float *weights, int count);

/// `count` floats in [0, 1] to integer samples at `dst`: 8-bit, or 16-bit when `wide`; each
/// value times maxValue, plus one half, clamped to [0, maxValue] (NaN to 0) and truncated.
void clarity_store_samples(const float *src, long count, void *dst, int wide, float maxValue);

/// The tiler's write-back of blended tiles onto the canvas `row` (8-bit samples, or 16-bit when
/// `wide`), whose own samples take part in the blend at weight canvasWeight[x]: where
/// w = weight[x] + canvasWeight[x] is positive, row[x] becomes
/// (acc[x] + canvasWeight[x] * row[x] / maxValue) / w rounded as clarity_store_samples rounds;
/// elsewhere row[x] is left as it is.
void clarity_store_blended(const float *acc, const float *weight, const float *canvasWeight, long count, void *row,
                           int wide, float maxValue);

/// One row of a subtitle's coverage mask (libass's, 0-255) laid over a row of premultiplied
/// RGBA planes (R, G, B and A each `stride` floats on from the one before): with
/// a = mask[x] * opacity, each channel's rgba = paint[c] * a + rgba * (1 - a). A mask of 0
/// leaves the pixel as it is.
void clarity_coat_row(const unsigned char *mask, long count, const float *paint, float opacity, float *rgba, long stride);

/// One row of a burnt subtitle's layer for one component, from `rows` rows of premultiplied
/// RGBA held as planes row by row (a pixel row's R, G, B and A each `stride` floats on from the
/// one before, the next pixel row 4 * stride on from `rgba`): sample k sums the `bx` pixels
/// from k * bx of each row, down first; value[k] = the sum of weights[c] * sum[c] over the four
/// channels, alpha[k] = sum[3] * weights[4].
void clarity_layer_row(const float *rgba, long stride, int rows, int bx, long count, const float *weights, float *value,
                       float *alpha);

/// dst[o] = sum_j weights[j * count + o] * src[first[o] + j] for o < count (weights tap by
/// tap, `count` apart): a horizontal resampling filter whose taps for each output sample are
/// `taps` neighbouring source samples (pad with zero weights, `first[o] + taps` within src).
/// Summed in order, without fused multiply-adds.
void clarity_gather_taps(const float *src, const int *first, const float *weights, int taps, long count, float *dst);

/// A row of `count` samples laid under a premultiplied layer (burnt subtitles): each sample s,
/// `depth` bits stored `shift` bits up in a byte, or a little-endian 16-bit word when `wide`,
/// `step` bytes apart from `row` on, becomes value[x] + (1 - alpha[x]) * s clamped to
/// [0, 2^depth - 1], plus one half, truncated; the word's other bits are kept. Where alpha[x]
/// and value[x] are 0 the sample is left as it is.
void clarity_lay_under(const float *value, const float *alpha, long count, void *row, long step, int shift, int wide,
                       int depth);

/// One output row of a pixel shuffle: dst[x * span + q] = src[x * pixel + from[q]] for x < width
/// and q < span (added to what dst holds when `accumulate`), given as the map for 16 pixels
/// at once, gathered with AVX-512: gather[k] = (k / span) * pixel + from[k % span] for
/// k < 16 * span (so its first `span` entries are `from`).
void clarity_shuffle_row(const float *src, long pixel, const int *gather, int span, int width, float *dst,
                         int accumulate);

/// One output row of a pixel shuffle whose values for each input pixel lie in a few runs: for
/// x < width and each of the `count` (at most 8) segments s, with seg[3s] its offset in the input
/// pixel, seg[3s + 1] its offset in the pixel's `span` output floats and seg[3s + 2] its length
/// (1 to 16), dst[x * span + seg[3s + 1] + q] = src[x * pixel + seg[3s] + q] for q < length
/// (added to what dst holds when `accumulate`).
void clarity_copy_segments(const float *src, long pixel, const int *segments, int count, int span, int width,
                           float *dst, int accumulate);

/// The least and the greatest of `count` floats (`count` > 0) into `low` and `high`.
void clarity_span(const float *src, long count, float *low, float *high);

/// sums[c] = the sum over p < pixels of src[p * channels + c] (NHWC floats): a global average
/// pool's sums, the same on every instruction set.
void clarity_channel_sums(const float *src, long pixels, int channels, float *sums);

/// dst[p * dst_pixel + c] = src[p * channels + c] * gate[c] (1 where gate is NULL) for p < pixels
/// and c < channels: channel attention's scaling, or one part of a concatenation (dst at the
/// part's first channel, dst_pixel the concatenation's channel count); floats, or bf16 when
/// `bf16` (rounded to nearest even).
void clarity_gated_copy(const float *src, long pixels, int channels, const float *gate, void *dst, long dst_pixel,
                        int bf16);

/// One output row of a depthwise k x k convolution followed by a 1x1 convolution to one channel,
/// as the one dense k x k convolution they make (no activation between them or after):
/// out[x] = bias + sum over dy, dx < k and c < channels of
/// weights[(dy * k + dx) * channels + c] * rows[dy][(x + dx - k / 2) * channels + c], plus
/// residual[x] unless it is NULL. rows[dy] is input row y + dy - k / 2 (NHWC floats, `width`
/// pixels), a row of zeros outside the picture; columns outside it count as zeros (padding k / 2).
void clarity_separable_head_row(const float *const *rows, int width, int channels, int kernel, const float *weights,
                                float bias, const float *residual, float *out);

/// The instruction set the kernels above run with on this CPU: "avx512", "avx2" or "sse2".
const char *clarity_kernels_isa(void);

/// Caps the instruction set the kernels use (0: the baseline, 1: AVX2, 2: AVX-512, the
/// default), so that tests can hold every copy to the same results; returns the one in use.
const char *clarity_kernels_cap(int level);

#endif
