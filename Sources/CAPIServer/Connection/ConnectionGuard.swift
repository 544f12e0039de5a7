import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Watches one HTTP/1.1 connection and ends it when the client misbehaves:
/// a head that does not arrive in time, a body that trickles, a kept-alive
/// connection left idle, a target that is too long, a connection past the
/// server's limit, or bytes that are not HTTP. Wherever a client is still
/// there to read it, the answer is an AdCP error object, never an empty body.
///
/// Sits between the HTTP codec and the application, so it sees request
/// parts coming in and response parts going out; `RequestBytesSignal`
/// tells it when the bytes of a head start to arrive.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Phase {
        /// No byte of the next request yet; `fresh` on a new connection.
        case waiting(since: NIODeadline, fresh: Bool)
        /// The head's bytes are arriving.
        case head(since: NIODeadline)
        /// The head was handed on; the body is arriving.
        case body(since: NIODeadline, received: Int)
        /// The request is in; the application is answering.
        case responding
        /// This handler answered and is closing the connection.
        case closing
    }

    private let limits: ConnectionLimits
    /// Whether this connection is within `maxConnections`.
    private let admitted: Bool
    private var phase: Phase
    /// Requests handed to the application and not yet answered.
    private var unanswered = 0
    /// The application has written the head of an answer, not yet its end.
    private var responseStarted = false
    private var timer: Scheduled<Void>?
    /// A decoding error met mid-request: Hummingbird then writes an empty
    /// 400, which this handler replaces with this answer.
    private var pendingRefusal: FramingRefusal?
    /// The application's answer to a request that could not be read whole
    /// is being written: the connection closes once it is out.
    private var hangUpAfterAnswer = false
    /// How long a closing connection waits for the client to hang up.
    static let linger = TimeAmount.seconds(2)

    init(limits: ConnectionLimits, admitted: Bool) {
        self.limits = limits
        self.admitted = admitted
        phase = .waiting(since: .now(), fresh: true)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        phase = .waiting(since: .now(), fresh: true)
        reschedule(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .closing = phase else {
                if let refusal = refusal(for: head) { return answer(context, refusal) }
                phase = .body(since: .now(), received: 0)
                unanswered += 1
                reschedule(context)
                return context.fireChannelRead(data)
            }
        case .body(let chunk):
            if case .body(let since, let received) = phase {
                phase = .body(since: since, received: received + chunk.readableBytes)
            }
            if case .closing = phase { return }
            context.fireChannelRead(data)
        case .end:
            if case .closing = phase { return }
            phase = unanswered == 0 ? .waiting(since: .now(), fresh: false) : .responding
            reschedule(context)
            context.fireChannelRead(data)
        }
    }

    private func refusal(for head: HTTPRequest) -> FramingRefusal? {
        if !admitted { return .tooManyConnections(limits) }
        if (head.path?.utf8.count ?? 0) > limits.maxURLBytes { return .urlTooLong(limits) }
        if head.headerFields[values: .contentLength].count > 1 { return .duplicateContentLength() }
        return nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is RequestBytesSignal.BytesArrived:
            if case .waiting(let since, let fresh) = phase {
                // A new connection's head is due `headerTimeout` after it
                // opened; a kept-alive one's after its next request began.
                phase = .head(since: fresh ? since : .now())
                reschedule(context)
            }
        case let event as ChannelEvent where event == .inputClosed:
            if case .closing = phase { return context.close(promise: nil) }
            context.fireUserInboundEventTriggered(event)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch phase {
        case .closing:
            return  // bytes after a refusal: the decoder is done with them
        case .waiting, .head:
            answer(context, .decoding(error, limits: limits))
        case .body, .responding:
            guard unanswered > 0 || responseStarted else {
                // Answered already (refused before its body was read): a
                // second answer would follow the first; just hang up.
                return drop(context)
            }
            pendingRefusal = .decoding(error, limits: limits)
            context.fireErrorCaught(error)
        }
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .closing = phase {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let part = unwrapOutboundIn(data)
        switch part {
        case .head(let head):
            if let refusal = pendingRefusal, head.status == .badRequest, head.headerFields[.contentLength] == "0" {
                pendingRefusal = nil
                let (replacement, body) = Self.response(refusal)
                context.write(wrapOutboundOut(.head(replacement)), promise: promise)
                context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
                responseStarted = true
                return
            }
            if pendingRefusal != nil {
                // The application answered the broken request itself (it
                // did not need the body): that answer stands, and the empty
                // 400 Hummingbird writes after it must not follow it.
                pendingRefusal = nil
                hangUpAfterAnswer = true
            }
            responseStarted = true
        case .body:
            break
        case .end:
            responseStarted = false
            if hangUpAfterAnswer {
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.cascade(to: promise)
                context.writeAndFlush(data, promise: written)
                return closeAfterFlush(context, written.futureResult)
            }
            unanswered = max(0, unanswered - 1)
            if case .responding = phase, unanswered == 0 {
                phase = .waiting(since: .now(), fresh: false)
                reschedule(context)
            }
        }
        context.write(data, promise: promise)
    }

    // MARK: answers and deadlines

    /// Answers with `refusal` and closes: output first, so the answer is not
    /// lost to a reset while the client is still sending, then the rest
    /// once the client hangs up or `linger` has passed.
    private func answer(_ context: ChannelHandlerContext, _ refusal: FramingRefusal) {
        phase = .closing
        timer?.cancel()
        let (head, body) = Self.response(refusal)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        closeAfterFlush(context, written.futureResult)
    }

    /// From now on writes are refused; once `written` is out the output is
    /// closed, and the connection once the client hangs up or `linger` passed.
    private func closeAfterFlush(_ context: ChannelHandlerContext, _ written: EventLoopFuture<Void>) {
        phase = .closing
        timer?.cancel()
        written.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.linger) { context.close(promise: nil) }
    }

    /// Closes without a word: nobody is sending anything to answer.
    private func drop(_ context: ChannelHandlerContext) {
        phase = .closing
        timer?.cancel()
        timer = nil
        context.close(promise: nil)
    }

    private static func response(_ refusal: FramingRefusal) -> (HTTPResponse, [UInt8]) {
        let body = refusal.body
        var fields: HTTPFields = [
            .contentType: "application/json; charset=utf-8", .contentLength: "\(body.count)",
            .connection: "close", .cacheControl: "no-store",
        ]
        if let seconds = refusal.retryAfter { fields[.retryAfter] = "\(seconds)" }
        return (HTTPResponse(status: refusal.status, headerFields: fields), body)
    }

    /// When the current phase runs out, if it can.
    private var deadline: NIODeadline? {
        switch phase {
        case .waiting(let since, let fresh): since + (fresh ? limits.headerTimeout : limits.idleTimeout)
        case .head(let since): since + limits.headerTimeout
        case .body(let since, let received): since + limits.bodyTimeout + limits.bodyAllowance(forBytes: received)
        case .responding, .closing: nil
        }
    }

    private func reschedule(_ context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard let deadline else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            expire(context)
        }
    }

    private func expire(_ context: ChannelHandlerContext) {
        guard let deadline else { return }
        guard deadline <= .now() else { return reschedule(context) }
        switch phase {
        case .waiting:
            drop(context)
        case .head:
            answer(context, .headerTimeout(limits))
        case .body:
            // Answer only if the application has not begun to.
            if unanswered > 0, !responseStarted { answer(context, .bodyTimeout(limits)) } else { drop(context) }
        case .responding, .closing:
            break
        }
    }
}

@available(*, unavailable)
extension ConnectionGuard: Sendable {}
