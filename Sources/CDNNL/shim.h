// oneDNN 2.6 (Debian libdnnl-dev) for Swift. Swift cannot import oneDNN's pointer-cast and
// union macros, so the inline functions below stand in for them. oneDNN here runs on
// OpenMP (libgomp); the two OpenMP calls are declared so the engine can size its threads.
#ifndef CLARITY_DNNL_SHIM_H
#define CLARITY_DNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>

/// `DNNL_MEMORY_ALLOCATE`: ask `dnnl_memory_create` to allocate the buffer itself.
static inline void *clarity_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
/// `DNNL_MEMORY_NONE`: create a memory object with no buffer yet (set it later).
static inline void *clarity_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }

static inline int clarity_dnnl_arg_src(void) { return DNNL_ARG_SRC; }
static inline int clarity_dnnl_arg_dst(void) { return DNNL_ARG_DST; }
static inline int clarity_dnnl_arg_weights(void) { return DNNL_ARG_WEIGHTS; }
static inline int clarity_dnnl_arg_bias(void) { return DNNL_ARG_BIAS; }
static inline int clarity_dnnl_arg_from(void) { return DNNL_ARG_FROM; }
static inline int clarity_dnnl_arg_to(void) { return DNNL_ARG_TO; }
static inline int clarity_dnnl_arg_scratchpad(void) { return DNNL_ARG_SCRATCHPAD; }
/// The second source of the binary post-op at position `index` of a primitive's post-ops.
static inline int clarity_dnnl_arg_post_op_src1(int index) {
    return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1;
}

/// OpenMP (libgomp, which libdnnl is built against). The thread count is per calling thread.
extern void omp_set_num_threads(int n);
extern int omp_get_max_threads(void);

#endif
