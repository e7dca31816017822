import CFFmpeg
import Foundation

/// The character set of a text subtitle file that is not UTF-8 (an old .srt in Windows-1252
/// or CP1251). FFmpeg's decoders refuse such text and Matroska holds UTF-8 only, so its packets
/// are converted to UTF-8 as they are read, for burning and for adding alike.
public struct SubtitleCharset: Sendable {
    /// The name iconv knows it by.
    public let name: String
    /// Whether it was guessed (Windows-1252, the West's most common) rather than given.
    public let guessed: Bool

    /// Refuses a `name` iconv does not know.
    public static func check(_ name: String) throws { _ = try Converter(from: name) }

    /// What the subtitle file at `path`, of `codec`, needs: nil where it holds pictures or is
    /// UTF-8 (or UTF-16 with a byte-order mark, which FFmpeg reads); else `given`, or
    /// Windows-1252 where none is.
    static func of(_ path: String, codec: AVCodecID, given: String?) throws -> SubtitleCharset? {
        guard SubtitleReencoder.holdsText(codec) == true,
              let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size < 64 << 20,
              let bytes = FileManager.default.contents(atPath: path) else { return nil }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || String(validating: bytes, as: UTF8.self) != nil {
            return nil
        }
        return SubtitleCharset(name: given ?? "WINDOWS-1252", guessed: given == nil)
    }

    /// A converter of packets from this set, for one reader.
    func converter() throws -> Converter { try Converter(from: name) }

    /// iconv from one character set to UTF-8.
    final class Converter {
        private let converter: iconv_t

        init(from name: String) throws {
            guard let converter = iconv_open("UTF-8", name), converter != UnsafeMutableRawPointer(bitPattern: -1) else {
                throw MediaError(.invalidArgument, "--subtitle-charset \(name): not a character set iconv knows (CP1251, ISO-8859-2, GB18030, ...; `iconv -l` lists them)")
            }
            self.converter = converter
        }

        deinit { iconv_close(converter) }

        /// `packet`'s text in UTF-8; a byte the character set does not define becomes U+FFFD.
        func convert(_ packet: UnsafeMutablePointer<AVPacket>) throws {
            guard let data = packet.pointee.data, packet.pointee.size > 0 else { return }
            var input: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(data).assumingMemoryBound(to: CChar.self)
            var left = Int(packet.pointee.size)
            // Room for every byte as a replacement character (3 bytes; no set needs more per byte).
            var text = [CChar](repeating: 0, count: 3 * left + 4)
            var used = 0
            _ = iconv(converter, nil, nil, nil, nil)
            text.withUnsafeMutableBufferPointer { buffer in
                while left > 0 {
                    var output: UnsafeMutablePointer<CChar>? = buffer.baseAddress! + used
                    var room = buffer.count - used
                    let r = iconv(converter, &input, &left, &output, &room)
                    used = buffer.count - room
                    guard r == -1, left > 0 else { continue }
                    // A byte not in the set, or a sequence cut short: passed over, marked (EF BF BD).
                    input! += 1
                    left -= 1
                    for byte: UInt8 in [0xEF, 0xBF, 0xBD] where used < buffer.count {
                        buffer[used] = CChar(bitPattern: byte)
                        used += 1
                    }
                }
            }
            var converted: UnsafeMutablePointer<AVPacket>? = av_packet_alloc()
            defer { av_packet_free(&converted) }
            guard let out = converted, av_new_packet(out, Int32(used)) >= 0, av_packet_copy_props(out, packet) >= 0 else {
                throw MediaError(.codec, "cannot convert subtitles to UTF-8")
            }
            text.withUnsafeBytes { out.pointee.data.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: used) }
            av_packet_unref(packet)
            av_packet_move_ref(packet, out)
        }
    }
}
