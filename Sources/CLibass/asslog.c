#include <stdarg.h>
#include <libavutil/log.h>
#include "asslog.h"

static void message(int level, const char *format, va_list arguments, void *context) {
    // libass's levels run 0 (fatal) to 7 (debug).
    static const int levels[] = {AV_LOG_FATAL, AV_LOG_ERROR, AV_LOG_WARNING, AV_LOG_WARNING,
                                 AV_LOG_INFO, AV_LOG_INFO, AV_LOG_VERBOSE, AV_LOG_DEBUG};
    int at = levels[level < 0 ? 0 : level > 7 ? 7 : level];
    av_vlog(context, at, format, arguments);
    av_log(context, at, "\n");
}

void clarity_ass_log_to_ffmpeg(ASS_Library *library) {
    ass_set_message_cb(library, message, NULL);
}
