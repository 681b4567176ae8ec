import NIOCore
import NIOHTTP1
import NIOPosix

/// The optional loopback HTTP listener (`[metrics] listen`): GET /metrics answers with
/// `DaemonMetrics.exposition()`; any other path is 404, any other method on /metrics 405.
///
/// It shares the daemon's event loops and sets no timers, so an idle daemon stays at zero
/// wake-ups; a scrape costs what `daemon.metrics` costs.
enum MetricsHTTPServer {
    /// Binds `address` and serves it; returns the listening channel. Blocks until bound.
    static func start(_ address: MetricsListenAddress, group: any EventLoopGroup, metrics: DaemonMetrics) throws -> any Channel {
        try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
            .bind(host: address.host, port: address.port).wait()
    }
}

/// One HTTP connection: answers each request once its end has arrived.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: DaemonMetrics
    private var head: HTTPRequestHead?

    init(metrics: DaemonMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let body: String
        if path != "/metrics" {
            (status, body) = (.notFound, "not found: creditd serves only /metrics\n")
        } else if request.method != .GET && request.method != .HEAD {
            (status, body) = (.methodNotAllowed, "only GET /metrics\n")
            headers.add(name: "Allow", value: "GET, HEAD")
        } else {
            (status, body) = (.ok, metrics.exposition())
        }
        headers.add(name: "Content-Type", value: status == .ok ? PrometheusText.contentType : "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
