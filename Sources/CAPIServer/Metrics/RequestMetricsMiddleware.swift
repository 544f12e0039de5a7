import Hummingbird

/// Counts and times every HTTP request by method, route template and
/// status (`capi_http_requests_total`, `capi_http_request_duration_seconds`),
/// and logs it at debug level with the same fields.
///
/// The route is the template the router matched (`/agentic/v1/media-buys/{media_buy_id}`),
/// `NotFound` when none did: the raw path would let clients mint series,
/// and its query may carry identifiers and a link's signature.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: CAPIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, _ started: ContinuousClock.Instant) {
        let took = ContinuousClock.now - started
        let method = Self.method(request.method)
        let route = context.endpointPath ?? "NotFound"
        metrics.request(method: method, route: route, status: status, took: took)
        context.logger.debug("request", metadata: [
            "method": "\(method)", "route": "\(route)", "status": "\(status)",
            "ms": "\((took / .milliseconds(1) * 10).rounded() / 10)",
        ])
    }

    /// The request's method, or `other` for one this server has no route for.
    static func method(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .post, .put, .delete, .head, .options, .patch: method.rawValue
        default: "other"
        }
    }
}
