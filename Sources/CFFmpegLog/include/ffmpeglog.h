#ifndef CLARITY_FFMPEG_LOG_H
#define CLARITY_FFMPEG_LOG_H

/// Keeps the messages of `level` or graver (AV_LOG_ERROR: errors) FFmpeg logs on the calling
/// thread, instead of printing or dropping them, until `clarity_log_keep_end`: FFmpeg's reason
/// for a refusal ("No such filter: 'x'") is in its log, where its return code says only
/// "Invalid argument".
void clarity_log_keep_begin(int level);

/// Stops keeping; the messages kept, one after another ("; " between), or "" for none. The text
/// stays valid until the thread's next `clarity_log_keep_begin`.
const char *clarity_log_keep_end(void);

#endif
