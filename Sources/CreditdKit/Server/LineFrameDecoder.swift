import CreditProtocol
import Glibc
import NIOCore

/// What the framer hands on: a complete line, or the fact that a line was too long.
enum LineFrame {
    case line([UInt8])
    case oversized
}

/// The framing rule on the unread bytes of a stream, without NIO: `LineFrameDecoder` applies it
/// to the socket's `ByteBuffer`, the fuzz target to its input (`frames(of:)`).
///
/// After an oversized line it reports `.oversized` once and discards everything that follows:
/// the connection is about to be closed and the rest of the stream cannot be trusted to be
/// aligned on a request boundary.
struct LineFramer {
    /// What to do with the unread bytes.
    enum Step: Equatable {
        /// A line of `length` bytes, then its newline: take both.
        case line(length: Int)
        /// The line is too long: drop every unread byte, report it once.
        case oversized
        /// After an oversized line: drop every unread byte.
        case discard
        /// No complete line yet.
        case needMoreData
    }

    let maxLength: Int
    private(set) var discarding = false
    /// How far the unread bytes have been searched for a newline already, so each byte is scanned once.
    private var scanned = 0

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    mutating func step(_ unread: UnsafeRawBufferPointer) -> Step {
        if discarding { return .discard }
        let readable = unread.count
        // memchr: long lines are scanned at memory speed, not byte by byte.
        var newline: Int?
        if let base = unread.baseAddress, readable > scanned {
            newline = memchr(base + scanned, 0x0A, readable - scanned).map { UnsafeRawPointer($0) - base }
        }
        if let length = newline {
            scanned = 0
            return length > maxLength ? refuse() : .line(length: length)
        }
        scanned = readable
        return readable > maxLength ? refuse() : .needMoreData
    }

    /// At end of stream: the unread rest, if any, is a final line without its newline.
    mutating func finalLine(unreadCount: Int) -> Bool {
        guard !discarding, unreadCount > 0 else { return false }
        scanned = 0
        return true
    }

    private mutating func refuse() -> Step {
        discarding = true
        scanned = 0
        return .oversized
    }

    /// The frames of a whole stream that ends after `bytes`, as the daemon's connection sees them.
    static func frames(of bytes: [UInt8], maxLength: Int) -> [LineFrame] {
        var framer = LineFramer(maxLength: maxLength)
        var frames: [LineFrame] = []
        var start = 0
        while start <= bytes.count {
            let step = bytes.withUnsafeBytes { framer.step(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            switch step {
            case .line(let length):
                frames.append(.line(Array(bytes[start..<(start + length)])))
                start += length + 1
                continue
            case .oversized:
                frames.append(.oversized)
            case .discard, .needMoreData:
                break
            }
            if step == .needMoreData, framer.finalLine(unreadCount: bytes.count - start) {
                frames.append(.line(Array(bytes[start...])))
            }
            break
        }
        return frames
    }
}

/// Splits the byte stream at `\n`, refusing lines longer than `maxLength` bytes (`LineFramer`).
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame

    private var framer: LineFramer

    init(maxLength: Int = Limits.lineBytesMax) {
        framer = LineFramer(maxLength: maxLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch buffer.withUnsafeReadableBytes({ framer.step($0) }) {
        case .line(let length):
            let line = buffer.readBytes(length: length) ?? []
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        case .oversized:
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            context.fireChannelRead(wrapInboundOut(.oversized))
            return .needMoreData
        case .discard:
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        case .needMoreData:
            return .needMoreData
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData, framer.finalLine(unreadCount: buffer.readableBytes) {
            // The peer closed its side mid-line: treat the rest as a final line without newline.
            let line = buffer.readBytes(length: buffer.readableBytes) ?? []
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return state
    }
}
