import CAPICore
import Hummingbird
import NIOHTTP1

/// Outermost middleware: whatever a route throws becomes an AdCP error
/// object with the status it stands for, never Hummingbird's empty body.
/// A decoding error is passed on: the connection answers those
/// (`ConnectionGuard`).
struct AdCPErrorMiddleware: RouterMiddleware {
    typealias Context = CAPIRequestContext

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPParserError {
            throw error
        } catch let error as HTTPError {
            var response = Response.adcpError(
                error.status.code, AdCPError(Self.code(for: error.status.code), error.body ?? Self.message(for: error.status)))
            for field in error.headers where response.headers[field.name] == nil { response.headers.append(field) }
            return response
        } catch {
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
            return .adcpError(500, AdCPError(.serviceUnavailable, "The request failed inside the server; retry shortly"))
        }
    }

    static func code(for status: Int) -> ErrorCode {
        switch status {
        case 401: .authRequired
        case 403: .permissionDenied
        case 404: .referenceNotFound
        case 429: .rateLimited
        case 500...: .serviceUnavailable
        default: .invalidRequest
        }
    }

    static func message(for status: HTTPResponse.Status) -> String {
        "The request was refused: \(status.code) \(status.reasonPhrase)"
    }
}
