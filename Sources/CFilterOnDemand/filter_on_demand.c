// libavfilter on demand. The library and those it needs (flite, lilv, rubberband, vid.stab,
// tesseract, ... in Debian's build) took about 20 ms of every start of the tool, and a run uses
// filters only where its input or options ask for them (--vf, --af, deinterlacing, tone mapping,
// a GIF's palette, resampled sound). So the tool is not linked with it: the functions it calls
// are defined here, each loading the library on the first call and calling its own.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>

static void *library;
static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static char name[32];

static void load(void) {
    snprintf(name, sizeof name, "libavfilter.so.%d", LIBAVFILTER_VERSION_MAJOR);
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "clarity: error: cannot load FFmpeg's filters (%s): install them again (apt-get install --reinstall libavfilter%d)\n",
                dlerror(), LIBAVFILTER_VERSION_MAJOR);
        exit(69);
    }
}

static void *symbol(const char *function) {
    pthread_once(&loaded, load);
    void *address = dlsym(library, function);
    if (!address) {
        fprintf(stderr, "clarity: error: %s has no %s: it is not the FFmpeg the tool was built with\n", name, function);
        exit(69);
    }
    return address;
}

// The function's own pointer type, from its declaration in FFmpeg's header.
#define RESOLVED(name) \
    static __typeof__(&name) slot; \
    __typeof__(&name) real = __atomic_load_n(&slot, __ATOMIC_ACQUIRE); \
    if (!real) { real = (__typeof__(&name))symbol(#name); __atomic_store_n(&slot, real, __ATOMIC_RELEASE); }
#define FORWARD(result, name, params, args) \
    result name params { RESOLVED(name) return real args; }
#define FORWARD_VOID(name, params, args) \
    void name params { RESOLVED(name) real args; }

FORWARD(const AVFilter *, avfilter_get_by_name, (const char *n), (n))
FORWARD(AVFilterGraph *, avfilter_graph_alloc, (void), ())
FORWARD_VOID(avfilter_graph_free, (AVFilterGraph **graph), (graph))
FORWARD(int, avfilter_graph_create_filter, (AVFilterContext **context, const AVFilter *filter, const char *n, const char *arguments,
                                            void *opaque, AVFilterGraph *graph), (context, filter, n, arguments, opaque, graph))
FORWARD(int, avfilter_graph_parse_ptr, (AVFilterGraph *graph, const char *filters, AVFilterInOut **inputs, AVFilterInOut **outputs,
                                        void *log), (graph, filters, inputs, outputs, log))
FORWARD(int, avfilter_graph_config, (AVFilterGraph *graph, void *log), (graph, log))
FORWARD(AVFilterInOut *, avfilter_inout_alloc, (void), ())
FORWARD_VOID(avfilter_inout_free, (AVFilterInOut **inout), (inout))
FORWARD(int, av_buffersrc_add_frame_flags, (AVFilterContext *source, AVFrame *frame, int flags), (source, frame, flags))
FORWARD(int, av_buffersrc_close, (AVFilterContext *source, int64_t pts, unsigned flags), (source, pts, flags))
FORWARD(int, av_buffersink_get_frame, (AVFilterContext *sink, AVFrame *frame), (sink, frame))
FORWARD(AVRational, av_buffersink_get_time_base, (const AVFilterContext *sink), (sink))
FORWARD(AVRational, av_buffersink_get_frame_rate, (const AVFilterContext *sink), (sink))
FORWARD(AVRational, av_buffersink_get_sample_aspect_ratio, (const AVFilterContext *sink), (sink))
FORWARD(int, av_buffersink_get_format, (const AVFilterContext *sink), (sink))
FORWARD(int, av_buffersink_get_w, (const AVFilterContext *sink), (sink))
FORWARD(int, av_buffersink_get_h, (const AVFilterContext *sink), (sink))
FORWARD(int, av_buffersink_get_sample_rate, (const AVFilterContext *sink), (sink))
FORWARD(int, av_buffersink_get_ch_layout, (const AVFilterContext *sink, AVChannelLayout *layout), (sink, layout))
