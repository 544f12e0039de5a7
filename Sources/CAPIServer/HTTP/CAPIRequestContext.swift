import Hummingbird
import NIOCore

/// Per-request state: the peer's address, the request's id
/// (`RequestIDMiddleware`) and, once the auth middleware ran, the
/// authenticated caller.
public struct CAPIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Answered as `X-Request-Id` and logged as `request_id`.
    public var requestID = ""
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
        self.remoteAddress = source.channel.remoteAddress
    }
}
