import CFFmpeg

/// A file opened again, with its own demuxer, to read parts of it without disturbing the
/// reader (a look ahead, a look back). Only for inputs that can be opened again: files, not
/// pipes, devices or network streams.
struct SecondLook {
    let url: String
    let format: UnsafePointer<AVInputFormat>?
    let options: [String: String]

    /// The file opened and its streams read, or nil; the caller closes it.
    func open() -> UnsafeMutablePointer<AVFormatContext>? {
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        var context: UnsafeMutablePointer<AVFormatContext>?
        guard avformat_open_input(&context, url, format, &dictionary) >= 0, let ctx = context else { return nil }
        guard avformat_find_stream_info(ctx, nil) >= 0 else {
            avformat_close_input(&context)
            return nil
        }
        return ctx
    }
}
