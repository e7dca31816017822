#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libavutil/log.h>
#include "ffmpeglog.h"

static _Thread_local int keeping;
/// The mildest level kept (AV_LOG_ERROR: errors alone).
static _Thread_local int keptLevel;
static _Thread_local char kept[1024];
/// The last message kept did not end its line: the next one goes on with it.
static _Thread_local int lineOpen;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

/// Everything goes to FFmpeg's own callback, which prints what passes `av_log_set_level`
/// (--verbose); messages on a keeping thread as grave as it asks are also kept.
static void callback(void *context, int level, const char *format, va_list arguments) {
    va_list shown;
    va_copy(shown, arguments);
    av_log_default_callback(context, level, format, shown);
    va_end(shown);
    if (!keeping || level > keptLevel) return;
    char line[512];
    vsnprintf(line, sizeof line, format, arguments);
    size_t n = strlen(line);
    int ends = n > 0 && line[n - 1] == '\n';
    while (n > 0 && strchr("\n .", line[n - 1])) line[--n] = 0;
    size_t used = strlen(kept);
    const char *between = used == 0 ? "" : lineOpen ? " " : "; ";
    char *start = line + strspn(line, " ");
    if (*start && used + 2 < sizeof kept) snprintf(kept + used, sizeof kept - used, "%s%s", between, start);
    lineOpen = !ends;
}

static void install(void) { av_log_set_callback(callback); }

void clarity_log_keep_begin(int level) {
    pthread_once(&installed, install);
    keptLevel = level;
    kept[0] = 0;
    lineOpen = 0;
    keeping = 1;
}

const char *clarity_log_keep_end(void) {
    keeping = 0;
    return kept;
}
