import CAPICore
import HTTPTypes
import Hummingbird

/// Gives every request an id, answered as `X-Request-Id` on every response
/// (REST and MCP, success and failure) and carried as `request_id` by each
/// line logged for it, so a client's report finds the server's log line.
///
/// A client's own `X-Request-Id` is kept if it is an id under
/// `IdentifierRule.path` (1–128 of `A-Z a-z 0-9 _ . : -`: safe in a
/// header and a log line); any other is replaced by a fresh one.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = CAPIRequestContext

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = request.headers[.xRequestID].flatMap { IdentifierRule.path.allows($0) ? $0 : nil } ?? Self.mint()
        var context = context
        context.requestID = id
        context.logger[metadataKey: "request_id"] = "\(id)"
        var response = try await next(request, context)
        response.headers[.xRequestID] = id
        return response
    }

    /// 64 random bits as 16 lowercase hex characters.
    static func mint() -> String {
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension HTTPField.Name {
    static let xRequestID = HTTPField.Name("X-Request-Id")!
}
