// FFmpeg's libraries that most runs do not use, loaded on demand. libavfilter and the libraries
// it needs (flite, lilv, rubberband, vid.stab, tesseract, ... in Debian's build) took about 20 ms
// of every start, and a run uses filters only where its input or options ask for them (--vf,
// --af, deinterlacing, tone mapping, a GIF's palette, sound encoded again); libavdevice and
// those under it (X11, OpenGL, PulseAudio, SDL) about 16 ms, for inputs that only
// --input-format names (cameras, the screen, lavfi). So the tool is not linked with them: the
// functions it calls are defined here, each loading its library on the first call and calling
// the library's own.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <libavdevice/avdevice.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>

struct Library {
    const char *name, *package;
    int major;
    void *handle;
};
static struct Library filters = {"avfilter", "libavfilter", LIBAVFILTER_VERSION_MAJOR, NULL};
static struct Library devices = {"avdevice", "libavdevice", LIBAVDEVICE_VERSION_MAJOR, NULL};
static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static void *symbol(struct Library *library, const char *function) {
    char file[32];
    snprintf(file, sizeof file, "lib%s.so.%d", library->name, library->major);
    pthread_mutex_lock(&loading);
    if (!library->handle) library->handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    pthread_mutex_unlock(&loading);
    if (!library->handle) {
        fprintf(stderr, "clarity: error: cannot load FFmpeg's %s (%s): install it again (apt-get install --reinstall %s%d)\n",
                library->name, dlerror(), library->package, library->major);
        exit(69);
    }
    void *address = dlsym(library->handle, function);
    if (!address) {
        fprintf(stderr, "clarity: error: %s has no %s: it is not the FFmpeg the tool was built with\n", file, function);
        exit(69);
    }
    return address;
}

// The function's own pointer type, from its declaration in FFmpeg's header.
#define RESOLVED(library, name) \
    static __typeof__(&name) slot; \
    __typeof__(&name) real = __atomic_load_n(&slot, __ATOMIC_ACQUIRE); \
    if (!real) { real = (__typeof__(&name))symbol(&library, #name); __atomic_store_n(&slot, real, __ATOMIC_RELEASE); }
#define FORWARD(library, result, name, params, args) \
    result name params { RESOLVED(library, name) return real args; }
#define FORWARD_VOID(library, name, params, args) \
    void name params { RESOLVED(library, name) real args; }

FORWARD_VOID(devices, avdevice_register_all, (void), ())

FORWARD(filters, const AVFilter *, avfilter_get_by_name, (const char *n), (n))
FORWARD(filters, AVFilterGraph *, avfilter_graph_alloc, (void), ())
FORWARD_VOID(filters, avfilter_graph_free, (AVFilterGraph **graph), (graph))
FORWARD(filters, int, avfilter_graph_create_filter, (AVFilterContext **context, const AVFilter *filter, const char *n,
                                                     const char *arguments, void *opaque, AVFilterGraph *graph),
        (context, filter, n, arguments, opaque, graph))
FORWARD(filters, int, avfilter_graph_parse_ptr, (AVFilterGraph *graph, const char *graphDescription, AVFilterInOut **inputs,
                                                 AVFilterInOut **outputs, void *log), (graph, graphDescription, inputs, outputs, log))
FORWARD(filters, int, avfilter_graph_config, (AVFilterGraph *graph, void *log), (graph, log))
FORWARD(filters, AVFilterInOut *, avfilter_inout_alloc, (void), ())
FORWARD_VOID(filters, avfilter_inout_free, (AVFilterInOut **inout), (inout))
FORWARD(filters, int, av_buffersrc_add_frame_flags, (AVFilterContext *source, AVFrame *frame, int flags), (source, frame, flags))
FORWARD(filters, int, av_buffersrc_close, (AVFilterContext *source, int64_t pts, unsigned flags), (source, pts, flags))
FORWARD(filters, int, av_buffersink_get_frame, (AVFilterContext *sink, AVFrame *frame), (sink, frame))
FORWARD(filters, AVRational, av_buffersink_get_time_base, (const AVFilterContext *sink), (sink))
FORWARD(filters, AVRational, av_buffersink_get_frame_rate, (const AVFilterContext *sink), (sink))
FORWARD(filters, AVRational, av_buffersink_get_sample_aspect_ratio, (const AVFilterContext *sink), (sink))
FORWARD(filters, int, av_buffersink_get_format, (const AVFilterContext *sink), (sink))
FORWARD(filters, int, av_buffersink_get_w, (const AVFilterContext *sink), (sink))
FORWARD(filters, int, av_buffersink_get_h, (const AVFilterContext *sink), (sink))
FORWARD(filters, int, av_buffersink_get_sample_rate, (const AVFilterContext *sink), (sink))
FORWARD(filters, int, av_buffersink_get_ch_layout, (const AVFilterContext *sink, AVChannelLayout *layout), (sink, layout))
