import NIOCore

/// Lets a connection read up to 1 MiB per socket read instead of NIO's
/// 64 KiB. A 7 MB batch then reaches its handler in a handful of chunks
/// instead of more than a hundred, each a hop from the event loop to the
/// request's task; small requests still read into small buffers, since the
/// allocator grows only while reads fill it.
final class LargeReadsHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Nothing is read here: the handler leaves the pipeline once added.
    typealias InboundIn = Any

    static let largestRead = 1 << 20

    func handlerAdded(context: ChannelHandlerContext) {
        _ = context.channel.setOption(
            ChannelOptions.recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2_048, maximum: Self.largestRead))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
