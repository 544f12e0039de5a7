import Hummingbird

/// Applies the per-key request rate and in-progress bound to every
/// authenticated request (REST and MCP alike); runs after `AuthMiddleware`.
struct KeyLimitsMiddleware: RouterMiddleware {
    typealias Context = CAPIRequestContext
    let limiter: KeyRateLimiter

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let key = context.principal?.keyPrefix else { return try await next(request, context) }
        if let refusal = limiter.admitRequest(key: key) { return .failure(refusal) }
        defer { limiter.finished(key: key) }
        return try await next(request, context)
    }
}
