import NIOCore

/// What one connection may take of the server: sizes and deadlines, from
/// `CAPISettings`, in the units the connection handlers use.
struct ConnectionLimits: Sendable {
    var maxConnections: Int
    var maxHeaderBytes: Int
    var maxURLBytes: Int
    var headerTimeout: TimeAmount
    var bodyTimeout: TimeAmount
    var minBodyBytesPerSecond: Int
    var idleTimeout: TimeAmount

    init(settings: CAPISettings) {
        maxConnections = settings.maxConnections
        maxHeaderBytes = settings.maxHeaderBytes
        maxURLBytes = settings.maxURLBytes
        headerTimeout = Self.amount(settings.headerTimeoutSeconds)
        bodyTimeout = Self.amount(settings.bodyTimeoutSeconds)
        minBodyBytesPerSecond = settings.minBodyBytesPerSecond
        idleTimeout = Self.amount(settings.idleTimeoutSeconds)
    }

    static func amount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((max(0, min(seconds, 1e9)) * 1e9).rounded()))
    }

    /// How long `bytes` of body may take beyond `bodyTimeout`.
    func bodyAllowance(forBytes bytes: Int) -> TimeAmount {
        guard minBodyBytesPerSecond > 0 else { return .hours(24 * 365) }
        return .nanoseconds(Int64(Double(bytes) / Double(minBodyBytesPerSecond) * 1e9))
    }
}
