import NIOCore

/// First in a connection's pipeline: tells `ConnectionGuard` that bytes
/// arrived, before the HTTP decoder has made anything of them, so a request
/// whose head is still coming is told apart from an idle connection.
final class RequestBytesSignal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The user event sent down the pipeline ahead of each read.
    struct BytesArrived {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension RequestBytesSignal: Sendable {}
