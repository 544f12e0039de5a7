import Hummingbird

/// Per-request state: the authenticated caller, once the auth middleware ran.
public struct CAPIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }
}
