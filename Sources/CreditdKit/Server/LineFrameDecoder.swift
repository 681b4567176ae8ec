import CreditProtocol
import Glibc
import NIOCore

/// What the framer hands on: a complete line, or the fact that a line was too long.
enum LineFrame {
    case line([UInt8])
    case oversized
}

/// Splits the byte stream at `\n`, refusing lines longer than `maxLength` bytes.
///
/// After an oversized line it emits `.oversized` once and discards everything that follows:
/// the connection is about to be closed and the rest of the stream cannot be trusted to be
/// aligned on a request boundary.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame

    let maxLength: Int
    private var discarding = false
    /// How far the buffer has been searched for a newline already, so each byte is scanned once.
    private var scanned = 0

    init(maxLength: Int = Limits.lineBytesMax) {
        self.maxLength = maxLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if discarding {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let readable = buffer.readableBytes
        // memchr: long lines are scanned at memory speed, not byte by byte.
        let newline: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, readable > scanned else { return nil }
            return memchr(base + scanned, 0x0A, readable - scanned).map { UnsafeRawPointer($0) - base }
        }
        if let length = newline {
            scanned = 0
            if length > maxLength { return refuse(context: context, buffer: &buffer) }
            let line = buffer.readBytes(length: length) ?? []
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.line(line)))
            return .continue
        }
        scanned = readable
        if readable > maxLength { return refuse(context: context, buffer: &buffer) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData, !discarding, buffer.readableBytes > 0 {
            // The peer closed its side mid-line: treat the rest as a final line without newline.
            let line = buffer.readBytes(length: buffer.readableBytes) ?? []
            scanned = 0
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        return state
    }

    private mutating func refuse(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        discarding = true
        scanned = 0
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        context.fireChannelRead(wrapInboundOut(.oversized))
        return .needMoreData
    }
}
